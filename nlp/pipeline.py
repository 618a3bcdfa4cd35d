"""Build the tagging pipeline: blank English, sentencizer, lookup lemmatizer and the theme tagger."""

from __future__ import annotations

import spacy
from spacy.language import Language

from . import component  # noqa: F401  (registers the theme_tagger factory)
from .codebook import Codebook


def _base_pipeline() -> Language:
    """Blank English with the sentencizer and the lookup lemmatizer, sharing the process's lemma tables."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # The tagger reads the same tables to compile its codebook: one copy in memory instead of two.
    nlp.config["initialize"]["components"]["lemmatizer"] = {"lookups": {"@misc": "pledge.lemma_lookups.v1"}}
    return nlp


def bare_pipeline() -> Language:
    """The pipeline without the theme tagger (the benchmark baseline)."""
    nlp = _base_pipeline()
    nlp.initialize()
    return nlp


def build_pipeline(codebook: Codebook | None = None) -> Language:
    """The full tagging pipeline, with the given codebook or the shipped starting codebook."""
    nlp = _base_pipeline()
    tagger = nlp.add_pipe("theme_tagger")
    if codebook is not None:
        tagger.add_codebook(codebook)  # before initialize, which then loads no other: one compilation
    nlp.initialize()
    return nlp
