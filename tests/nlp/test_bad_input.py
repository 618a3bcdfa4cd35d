"""Bad input is tagged or skipped with a reason, never a crash, and every offset indexes the text as given."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from spacy.language import Language

from nlp import Tagged, tag_texts
from nlp.tagging import PIECE_CHARS

ROOT = Path(__file__).resolve().parents[2]


def tag_one(pipeline: Language, text: str) -> Tagged:
    """Tag one text and check every offset against it."""
    (tagged,) = tag_texts(pipeline, [text], with_mentions=True)
    for item in (*tagged.spans, *tagged.mentions):
        assert text[item.start : item.end] == item.text
    assert set(tagged.themes) == {s.theme for s in tagged.spans}
    return tagged


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty answer"),
        ("   \n\t  \n", "empty answer"),
        ("https://example.org/our-report.pdf", "only a link: no words to tag"),
        ("  www.example.org/pcref  \n", "only a link: no words to tag"),
        ("我们与当地社区合作，共同设计服务。", "no English words: the codebook's phrases are in English"),
        ("Мы работаем с общинами.", "no English words: the codebook's phrases are in English"),
        ("🙂👍🏽👨‍👩‍👧", "no English words: the codebook's phrases are in English"),
    ],
)
def test_text_with_nothing_to_tag_is_skipped_with_a_reason(pipeline: Language, text: str, reason: str) -> None:
    tagged = tag_one(pipeline, text)
    assert tagged.skipped == reason
    assert tagged.themes == () and tagged.spans == ()


def test_emoji_and_other_scripts_inside_english_keep_offsets(pipeline: Language) -> None:
    text = "🙂 We co-produced 👍🏽 the service with مجتمع carers 👨‍👩‍👧. Detentions fell 📉 by 10%."
    tagged = tag_one(pipeline, text)
    assert not tagged.skipped
    assert {"community_partnership", "mha_coercion"} <= set(tagged.themes)
    assert [s.text for s in tagged.spans if s.theme == "mha_coercion"] == ["Detentions fell 📉 by 10%."]


def test_a_table_pasted_from_excel_is_tagged_row_by_row(pipeline: Language) -> None:
    text = "Measure\tQ1\tQ2\r\nDetentions\t12\t9\r\nStaff trained\t40\t55\r\nDashboard live\tno\tyes\r\n"
    tagged = tag_one(pipeline, text)
    sentences = {s.theme: s.text for s in tagged.spans}
    # Each row is a sentence of its own: a theme's evidence is its row, not the whole table.
    assert sentences["mha_coercion"] == "Detentions\t12\t9"
    assert sentences["data_monitoring"] == "Dashboard live\tno\tyes"


def test_a_100000_character_answer_is_tagged_in_pieces_with_offsets_on_the_whole(pipeline: Language) -> None:
    filler = "We met and talked about the weather and the trains again today. "
    body = filler * (100_000 // len(filler))
    text = "Restraint fell. " + filler * (PIECE_CHARS // len(filler) + 1) + "Our CAMHS team opened. " + body
    text = text[:100_000]
    assert len(text) == 100_000
    tagged = tag_one(pipeline, text)
    assert {"mha_coercion", "children_young_people"} <= set(tagged.themes)
    camhs = next(s for s in tagged.spans if s.theme == "children_young_people")
    assert camhs.start > PIECE_CHARS and camhs.text == "Our CAMHS team opened."
    # One long unpunctuated run is cut too, never refused.
    tag_one(pipeline, "co-production " * 8000)


def test_cli_reports_skipped_lines_and_carries_on() -> None:
    lines = [{"id": 1, "text": ""}, {"id": 2, "text": "https://example.org"}, {"id": 3, "text": "Unpaid carers met."}]
    result = subprocess.run(
        [sys.executable, "-m", "nlp", "tag"],
        input="\n".join(json.dumps(line) for line in lines),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("skipped") for o in out] == ["empty answer", "only a link: no words to tag", None]
    assert out[2]["themes"] == ["Carers and families"]
