"""Fixtures for the NLP tests (no Flask: the pipeline is built directly)."""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp import Codebook, build_pipeline, load_codebook


@pytest.fixture(scope="session")
def codebook() -> Codebook:
    """The shipped starting codebook."""
    return load_codebook()


@pytest.fixture(scope="session")
def pipeline() -> Language:
    """The full tagging pipeline, built once per test session."""
    return build_pipeline()


@pytest.fixture()
def small_codebook() -> dict:
    """A two-theme codebook used to test matching semantics in isolation."""
    return {
        "key": "tiny",
        "version": 1,
        "name": "Tiny",
        "themes": [
            {
                "key": "commissioning",
                "name": "Commissioning",
                "description": "how services are bought",
                "phrases": ["commission", "lead provider"],
                "patterns": [[{"LOWER": "alliance"}, {"LOWER": {"IN": ["contract", "contracts"]}}]],
                "exclude": ["care quality commission"],
            },
            {
                "key": "figures",
                "name": "Figures",
                "description": "percent changes",
                "phrases": ["dashboard"],
                "patterns": [[{"LOWER": "from"}, {"LIKE_NUM": True}, {"ORTH": "%"}, {"LOWER": "to"}]],
                "exclude": [],
            },
        ],
    }
