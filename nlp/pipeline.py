"""Build the tagging pipeline: blank English, sentencizer, lookup lemmatizer and the theme tagger."""

from __future__ import annotations

import spacy
from spacy.language import Language

from . import component  # noqa: F401  (registers the theme_tagger factory)
from .codebook import Codebook


def bare_pipeline() -> Language:
    """The pipeline without the theme tagger (the benchmark baseline)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def build_pipeline(codebook: Codebook | None = None) -> Language:
    """The full tagging pipeline, with the given codebook or the shipped starting codebook."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    tagger = nlp.add_pipe("theme_tagger")
    nlp.initialize()
    if codebook is not None:
        tagger.add_codebook(codebook)
    return nlp
