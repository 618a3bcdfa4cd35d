"""Domain logic: what views, CLI commands, jobs and tests all call."""
