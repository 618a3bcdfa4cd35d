"""Evidence is decided per sentence: strong phrases, weak words that need company, and contexts that cancel a
match (the issue's examples: "ICB" alone, "recurring", "earlier help", "Collaborative Board", "the Board" as an
author, every "data", a word inside a list of people)."""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp import tag_texts


def levels(pipeline: Language, text: str) -> dict[str, str]:
    """Theme key -> level for one text."""
    (tagged,) = tag_texts(pipeline, [text])
    return tagged.levels


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("Our partners include NHS Birmingham and Solihull ICB.", "system_partnerships"),
        ("We received recurring reports of delays.", "sustainability"),
        ("Families told us they wanted earlier help.", "children_young_people"),
        ("The Mental Health Collaborative Board met in May.", "collaboration_alliance"),
        ("The Board noted the report and thanked officers.", "leadership_governance"),
        ("The Board was advised on progress made.", "leadership_governance"),
        ("We looked at the data.", "data_monitoring"),
        ("Racism harms patients, service users, carers and families.", "carers_families"),
        ("Racism harms patients, service users, carers and families.", "community_partnership"),
        ("Our Cultural Inclusion Network met.", "workforce"),
    ],
)
def test_a_word_that_merely_brushes_a_theme_does_not_code_it(pipeline: Language, text: str, theme: str) -> None:
    assert theme not in levels(pipeline, text)


@pytest.mark.parametrize(
    ("text", "theme", "level"),
    [
        ("Joint working between the ICB and the council improved.", "system_partnerships", "proposed"),
        ("We secured recurrent funding for the service.", "sustainability", "proposed"),
        ("The trust board holds the executive lead to account.", "leadership_governance", "proposed"),
        ("We improved the recording of ethnicity data.", "data_monitoring", "proposed"),
        ("We set up a carers' assessment clinic.", "carers_families", "proposed"),
        # A weak word in company in the same sentence: possible.
        ("We collected data on waiting times.", "data_monitoring", "possible"),
        ("Local charities received funding from us.", "vcse_investment", "possible"),
    ],
)
def test_substantive_evidence_codes_a_theme_at_its_level(pipeline: Language, text: str, theme: str, level: str) -> None:
    assert levels(pipeline, text).get(theme) == level


def test_weak_words_need_company_in_the_same_sentence(pipeline: Language) -> None:
    assert "data_monitoring" not in levels(pipeline, "We looked at the data. It was collected last year.")
    assert levels(pipeline, "We looked at the data that was collected last year.")["data_monitoring"] == "possible"


def test_a_theme_keeps_its_strongest_sentence_and_every_carrying_sentence_is_evidence(pipeline: Language) -> None:
    text = "We collected data on waiting times. We built an ethnicity dashboard."
    (tagged,) = tag_texts(pipeline, [text])
    evidence = [(s.text, s.level) for s in tagged.spans if s.theme == "data_monitoring"]
    assert evidence == [
        ("We collected data on waiting times.", "possible"),
        ("We built an ethnicity dashboard.", "proposed"),
    ]
    assert tagged.levels["data_monitoring"] == "proposed" and tagged.scores["data_monitoring"] >= 0.8


def test_the_compiled_pass_reads_sentences_and_repeats_as_the_rules_say(pipeline: Language) -> None:
    """The rules run compiled (nlp/_evidence.pyx) on spaCy's token structs: a doc without sentence boundaries is one
    sentence, a repeated phrase counts once, a people noun listed twice still makes one list."""
    tagger = pipeline.get_pipe("theme_tagger")
    # No sentencizer: the weak word and its company are in the same (only) sentence, even across a full stop.
    unsplit = tagger(pipeline.make_doc("We looked at the data. We recorded waiting times."))
    split = pipeline("We looked at the data. We recorded waiting times.")
    assert "data_monitoring" in unsplit._.themes
    assert "data_monitoring" not in split._.themes
    # "data" twice is one weak piece: alone, it carries nothing.
    assert "data_monitoring" not in pipeline("We looked at the data and the data again.")._.themes
    # A repeated member still leaves a list of people, which cancels the carers theme inside it.
    listed = pipeline("Racism harms carers, carers, service users and families.")
    assert "carers_families" not in listed._.themes
    # Scores and levels line up with the carrying sentences, one each.
    doc = pipeline("We set up a carers' assessment clinic. We collected data on waiting times.")
    group = doc.spans["themes"]
    assert len(group) == len(group.attrs["scores"]) == len(group.attrs["levels"]) >= 2
    assert doc._.theme_scores["carers_families"] == (0.8, "proposed")
