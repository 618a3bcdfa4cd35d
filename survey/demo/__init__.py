"""The demo: fictional signatories and their reports (`content`, from the YAML files here) and the seeding (`seed`)."""
