"""Entry point for ``python -m nlp``."""

from __future__ import annotations

from nlp.cli import main

raise SystemExit(main())
