"""Framework-free theme tagging: codebook, spaCy pipeline, tagging and evaluation."""

from __future__ import annotations

from .codebook import Codebook, CodebookError, Theme, load_codebook
from .component import ThemeTagger
from .evaluate import Report, ThemeScore, evaluate
from .pipeline import bare_pipeline, build_pipeline
from .tagging import Tagged, TaggedSpan, tag_texts

__all__ = [
    "Codebook",
    "CodebookError",
    "Report",
    "Tagged",
    "TaggedSpan",
    "Theme",
    "ThemeScore",
    "ThemeTagger",
    "bare_pipeline",
    "build_pipeline",
    "evaluate",
    "load_codebook",
    "tag_texts",
]
