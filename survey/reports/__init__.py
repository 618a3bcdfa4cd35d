"""Reports as documents: the thematic synthesis and an organisation's own report, gathered once into plain
dataclasses (`gather.py`) and laid out by pure functions writing to a file object (`pdf_*.py`, `figures.py`)."""
