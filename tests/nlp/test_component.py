"""The theme_tagger component: evidence mentions and sentences, offsets, lemma/case matching, exclusions,
serialisation."""

from __future__ import annotations

import json
from pathlib import Path

import spacy
from spacy.language import Language

import nlp as nlp_package  # noqa: F401  (registers the factory before spacy.load)
from nlp import Codebook, build_pipeline, load_codebook


def themes_of(pipeline: Language, text: str) -> list[str]:
    """Theme keys the pipeline finds in a text."""
    return list(pipeline(text)._.themes)


def spans_of(pipeline: Language, text: str) -> list[tuple[str, str]]:
    """(theme key, mention text) pairs in document order."""
    doc = pipeline(text)
    return [(key, doc[start:end].text) for key, start, end in doc._.theme_mentions]


def test_spans_have_theme_labels_and_character_offsets(pipeline: Language) -> None:
    text = "Our CAMHS team works with schools. Nothing else here."
    doc = pipeline(text)
    assert ("children_young_people", "CAMHS") in spans_of(pipeline, text)
    for span in doc.spans["themes"]:
        assert text[span.start_char : span.end_char] == span.text
    # The evidence of a code is the sentence that carries it, with its score and level.
    assert [(s.label_, s.text) for s in doc.spans["themes"]] == [
        ("children_young_people", "Our CAMHS team works with schools.")
    ]
    assert doc.spans["themes"].attrs["levels"] == ["proposed"]
    assert doc._.themes == ["children_young_people"]
    assert doc._.theme_scores["children_young_people"][1] == "proposed"


def test_lemma_and_case_insensitive_matching(pipeline: Language) -> None:
    for text in (
        "We Commissioned two services in a new way.",
        "COMMISSIONING HAS CHANGED.",
        "we commission differently",
    ):
        assert "commissioning_reform" in themes_of(pipeline, text), text
    # Lemma match: the phrase "carers" also finds the singular, capitalised and upper-case forms.
    assert "carers_families" in themes_of(pipeline, "An Unpaid Carer joined the panel.")
    assert "carers_families" in themes_of(pipeline, "UNPAID CARERS were consulted.")


def test_inflections_via_lower_cased_lemma(pipeline: Language) -> None:
    assert "mha_coercion" in themes_of(pipeline, "Fewer people were Detained this year.")
    assert "mha_coercion" in themes_of(pipeline, "SECLUSIONS fell.")


def test_abbreviations(pipeline: Language) -> None:
    cases = {
        "The MHA review group met.": "mha_coercion",
        "Use of CTOs is reviewed.": "mha_coercion",
        "Grants to VCSE partners.": "vcse_investment",
        "We are piloting PCREF.": "pcref",
        "The ICS agreed joint working.": "system_partnerships",
        "Waits for IAPT fell.": "access_pathways",
        "WRES results improved.": "workforce",
        "EDI training is mandatory.": "workforce",
    }
    for text, key in cases.items():
        assert key in themes_of(pipeline, text), text


def test_british_and_american_spellings(pipeline: Language) -> None:
    for text in ("working with minoritised communities", "working with minoritized communities"):
        assert "community_partnership" in themes_of(pipeline, text)
    for text in ("voluntary organisations were funded", "voluntary organizations were funded"):
        assert "vcse_investment" in themes_of(pipeline, text)


def test_exclusion_vetoes_overlapping_match(pipeline: Language) -> None:
    # "board" alone is governance, but inside "integrated care board" it is not.
    assert "leadership_governance" not in themes_of(pipeline, "The integrated care board met.")
    assert "leadership_governance" in themes_of(pipeline, "The trust board met.")
    # The carer inside the framework's name is not about carers.
    assert "carers_families" not in themes_of(pipeline, "The Patient and Carer Race Equality Framework.")


def test_no_themes_for_administrative_text(pipeline: Language) -> None:
    doc = pipeline("Minutes of the last meeting were approved.")
    assert doc._.themes == []
    assert len(doc.spans["themes"]) == 0


def test_overlapping_spans_of_one_theme_are_merged(pipeline: Language) -> None:
    # "mental health act" and "mental health act reform" overlap; one span remains.
    spans = spans_of(pipeline, "Mental Health Act reform is coming.")
    assert spans == [("mha_coercion", "Mental Health Act reform")]


def test_themes_are_in_codebook_order(pipeline: Language, codebook: Codebook) -> None:
    doc = pipeline("Unpaid carers of children told the trust board about detention.")
    order = list(codebook.keys)
    assert doc._.themes == sorted(doc._.themes, key=order.index)
    assert set(doc._.themes) >= {"carers_families", "children_young_people", "mha_coercion"}


def test_custom_codebook_patterns_windowed_pattern_and_exclusion(small_codebook: dict) -> None:
    pipeline = build_pipeline(Codebook.from_dict(small_codebook))
    assert themes_of(pipeline, "We moved to an Alliance Contract.") == ["commissioning"]
    assert themes_of(pipeline, "The Care Quality Commission visited.") == []
    assert themes_of(pipeline, "We Commissioned it; the Care Quality Commission visited.") == ["commissioning"]
    doc = pipeline("Completeness rose from 71 % to 93 %.")
    assert [(key, doc[s:e].text) for key, s, e in doc._.theme_mentions] == [("figures", "from 71 % to")]
    assert themes_of(pipeline, "It rose to 93 %.") == []


def test_to_disk_from_disk_round_trip(tmp_path: Path, small_codebook: dict) -> None:
    original = build_pipeline(Codebook.from_dict(small_codebook))
    original.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    texts = ["We commission an alliance contract.", "Up from 5 % to 7 % on the dashboard.", "Nothing here."]
    for text in texts:
        a, b = original(text), loaded(text)
        assert a._.themes == b._.themes
        assert [(s.label_, s.start_char, s.end_char) for s in a.spans["themes"]] == [
            (s.label_, s.start_char, s.end_char) for s in b.spans["themes"]
        ]
    assert loaded.get_pipe("theme_tagger").codebook == original.get_pipe("theme_tagger").codebook


def test_shipped_pipeline_round_trip_gives_identical_output(tmp_path: Path, pipeline: Language) -> None:
    pipeline.to_disk(tmp_path / "full")
    loaded = spacy.load(tmp_path / "full")
    lines = Path(__file__).parents[1].joinpath("data", "themes_dev.jsonl").read_text().splitlines()
    texts = [json.loads(line)["text"] for line in lines[:60]]
    for a, b in zip(pipeline.pipe(texts), loaded.pipe(texts), strict=True):
        assert a._.themes == b._.themes
        assert [(s.label_, s.start, s.end) for s in a.spans["themes"]] == [
            (s.label_, s.start, s.end) for s in b.spans["themes"]
        ]


def test_to_bytes_from_bytes(pipeline: Language, small_codebook: dict) -> None:
    tagger = pipeline.get_pipe("theme_tagger")
    other = build_pipeline(Codebook.from_dict(small_codebook))
    other.get_pipe("theme_tagger").from_bytes(tagger.to_bytes())
    text = "Carers and the VCSE sector met the ICB about CAMHS waiting times."
    assert other(text)._.themes == pipeline(text)._.themes


def test_initialize_with_codebook_config(small_codebook: dict) -> None:
    pipeline = spacy.blank("en")
    pipeline.add_pipe("theme_tagger")
    pipeline.initialize()
    pipeline.get_pipe("theme_tagger").initialize(codebook=Codebook.from_dict(small_codebook))
    assert pipeline("the dashboard")._.themes == ["figures"]


def test_touching_spans_of_one_theme_become_one_mention(pipeline: Language) -> None:
    assert spans_of(pipeline, "A new crisis pathway opened.") == [("access_pathways", "crisis pathway")]


def test_a_tagger_used_before_initialize_compiles_the_shipped_codebook_once(small_codebook: dict) -> None:
    pipeline = spacy.blank("en")
    tagger = pipeline.add_pipe("theme_tagger")
    assert pipeline("Unpaid carers met the CAMHS team.")._.themes == ["children_young_people", "carers_families"]
    assert tagger.codebook == load_codebook()
    # A codebook given before initialize is the one kept: initialize loads no other.
    other = spacy.blank("en").add_pipe("theme_tagger")
    other.add_codebook(Codebook.from_dict(small_codebook))
    other.initialize()
    assert other.codebook == Codebook.from_dict(small_codebook)
