"""Codebook loading and validation."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from nlp import Codebook, CodebookError, load_codebook

PRODUCT_THEMES = [
    "Community partnership and co-production",
    "Investment in the VCSE sector",
    "Commissioning reform",
    "Anti-racism and institutional racism",
    "Data, monitoring and reporting",
    "Mental Health Act, coercion and restrictive practice",
    "Access to services and care pathways",
    "Experience and outcomes of care",
    "Culturally appropriate and trauma-informed care",
    "Workforce diversity, training and culture",
    "Leadership, governance and accountability",
    "Patient and Carer Race Equality Framework",
    "Collaboration, shared learning and the Pledge Alliance",
    "Research, evaluation and policy",
    "COVID-19",
    "Sustainability and embedding change",
    "Barriers: capacity and resources",
    "System partnerships and integrated care",
    "Children and young people",
    "Carers and families",
]


def test_shipped_codebook_has_the_twenty_product_themes(codebook: Codebook) -> None:
    assert codebook.key == "pledge-starting"
    assert codebook.version == 1
    assert [t.name for t in codebook.themes] == PRODUCT_THEMES
    assert codebook.theme_by_key("pcref").name == "Patient and Carer Race Equality Framework"
    assert all(t.description for t in codebook.themes)


def test_round_trip_through_dict(codebook: Codebook) -> None:
    assert Codebook.from_dict(json.loads(json.dumps(codebook.to_dict()))) == codebook


def test_theme_by_key_unknown(codebook: Codebook) -> None:
    with pytest.raises(KeyError):
        codebook.theme_by_key("nope")


def _broken(small_codebook: dict, change: callable) -> dict:  # type: ignore[valid-type]
    data = copy.deepcopy(small_codebook)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["themes"][1].update(key="commissioning"), "reuses key 'commissioning'"),
        (lambda d: d["themes"][1].update(name="commissioning"), "same name as theme #1"),
        (lambda d: d["themes"][0].update(name="  "), "theme #1 has an empty or missing name"),
        (
            lambda d: d["themes"][1].update(patterns=[[{"LOWER": {"IN": "x"}}]]),
            "theme #2 ('Figures'), pattern #1 is not a valid spaCy Matcher pattern",
        ),
        (
            lambda d: d["themes"][1].update(patterns=[[{"NOT_AN_ATTR": "x"}]]),
            "theme #2 ('Figures'), pattern #1 is not a valid spaCy Matcher pattern",
        ),
        (
            lambda d: d["themes"][0].update(patterns=["commission"]),
            "theme #1 ('Commissioning'), pattern #1 must be",
        ),
        (lambda d: d["themes"][0].update(phrases=[], patterns=[]), "can never match"),
        (lambda d: d["themes"][0].update(key="Bad Key"), "snake_case"),
        (lambda d: d.update(themes=[]), "non-empty list"),
    ],
)
def test_invalid_codebooks_raise_readable_errors(small_codebook: dict, change, message: str) -> None:
    with pytest.raises(CodebookError, match=re.escape(message)):
        Codebook.from_dict(_broken(small_codebook, change))


def test_codebook_error_is_a_value_error() -> None:
    assert issubclass(CodebookError, ValueError)


def test_load_codebook_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="not found"):
        load_codebook(tmp_path / "missing.json")


def test_load_codebook_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(CodebookError, match="not valid JSON"):
        load_codebook(path)
