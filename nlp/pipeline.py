"""Build the tagging pipeline: blank English, sentencizer, lookup lemmatizer and the theme tagger."""

from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.pipeline import Sentencizer

from . import component  # noqa: F401  (registers the theme_tagger factory)
from .codebook import Codebook

LINE_BREAKS = ("\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", "\n ", "\n\n ")


def _base_pipeline() -> Language:
    """Blank English with the sentencizer and the lookup lemmatizer, sharing the process's lemma tables."""
    nlp = spacy.blank("en")
    # A line break also ends a sentence: rows of a pasted table, bullet points and headings are units of their own.
    nlp.add_pipe("sentencizer", config={"punct_chars": [*Sentencizer.default_punct_chars, *LINE_BREAKS]})
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
