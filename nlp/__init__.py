"""Framework-free theme tagging: codebook, spaCy pipeline, tagging and evaluation.

Names load on first use (PEP 562), so importing `nlp.codebook` — as the web app does to store codebooks — does not
import spaCy: only the processes that tag pay for it.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Plain Python, loaded now; `evaluate` is both a module and a function, so it must be bound here, after the module.
from .codebook import Codebook, CodebookError, Theme, load_codebook
from .evaluate import Report, ThemeScore, evaluate

# These need spaCy: loaded on first use.
_WHERE = {
    "ThemeTagger": "component",
    "bare_pipeline": "pipeline",
    "build_pipeline": "pipeline",
    "Tagged": "tagging",
    "TaggedSpan": "tagging",
    "tag_texts": "tagging",
}

__all__ = ["Codebook", "CodebookError", "Report", "Theme", "ThemeScore", "evaluate", "load_codebook", *sorted(_WHERE)]


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` when it is first asked for."""
    if name not in _WHERE:
        raise AttributeError(f"module 'nlp' has no attribute {name!r}")
    value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value
