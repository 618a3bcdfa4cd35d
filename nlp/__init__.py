"""Framework-free theme tagging: codebook, spaCy pipeline, tagging and evaluation.

Names load on first use (PEP 562), so importing `nlp.codebook` — as the web app does to store codebooks — does not
import spaCy: only the processes that tag pay for it.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "Codebook": "codebook",
    "CodebookError": "codebook",
    "Theme": "codebook",
    "load_codebook": "codebook",
    "ThemeTagger": "component",
    "Report": "evaluate",
    "ThemeScore": "evaluate",
    "evaluate": "evaluate",
    "bare_pipeline": "pipeline",
    "build_pipeline": "pipeline",
    "Tagged": "tagging",
    "TaggedSpan": "tagging",
    "tag_texts": "tagging",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` when it is first asked for."""
    if name not in _WHERE:
        raise AttributeError(f"module 'nlp' has no attribute {name!r}")
    return getattr(import_module(f".{_WHERE[name]}", __name__), name)
