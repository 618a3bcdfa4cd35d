"""The synthesis PDF read back: its figures, its consent rules, its draft marks, outline, metadata and fonts, and
user text that prints literally whatever it holds."""

from __future__ import annotations

import io
import math
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import arabic_reshaper
from pypdf import PdfReader

from survey.reports.data import Organisation, Quote, SynthesisData
from survey.reports.gather import gather
from survey.reports.pdf_synthesis import build_synthesis
from tests.survey import synthesis_scenario
from tests.survey.synthesis_scenario import SECRET


def pdf_of(data: SynthesisData) -> bytes:
    out = io.BytesIO()
    build_synthesis(data, out)
    return out.getvalue()


def pages(pdf: bytes) -> list[str]:
    """Each page's text, whitespace folded."""
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_published_pdf_states_the_response_rate_and_each_commitments_theme_counts(factory, db):
    s = synthesis_scenario.build(factory)
    text = " ".join(pages(pdf_of(gather(s.current.id))))
    assert "5 of 6 signatories reported" in text
    # Commitment 1: the theme raised by 3 organisations, +1 over the 3 that reported in both rounds.
    assert re.search(rf"{re.escape(s.t1.name)} 3 \+1", text)
    assert re.search(rf"{re.escape(s.t2.name)} 2 ", text)
    assert "among the 3 organisations that reported in both rounds" in text
    assert re.search(r"Who reported.*Fir Partnership Health and care partnership London No", text)


def test_an_unconsented_quote_never_appears_while_consented_ones_do_as_chosen(factory, db):
    s = synthesis_scenario.build(factory)
    for draft in (False, True):
        text = " ".join(pages(pdf_of(gather(s.current.id, draft=draft))))
        assert SECRET not in text and "Cedar asked" not in text
        assert "“Alder NHS Trust co-produced its crisis pathway in round 2.” — Alder NHS Trust" in text
        assert "“Elm ICB names a barrier here.” — A signatory organisation" in text


def test_rate_ratios_and_katz_intervals_match_a_hand_computation(factory, db):
    s = synthesis_scenario.build(factory)
    text = " ".join(pages(pdf_of(gather(s.current.id))))
    # Black: 60 of 20,000 against White: 100 of 100,000.
    ratio = (60 / 20_000) / (100 / 100_000)
    se = math.sqrt(1 / 60 - 1 / 20_000 + 1 / 100 - 1 / 100_000)
    low, high = ratio * math.exp(-1.959964 * se), ratio * math.exp(1.959964 * se)
    assert f"{ratio:.2f} ({low:.2f} to {high:.2f})" == "3.00 (2.18 to 4.13)"
    assert "60 20,000 300.0 3.00 (2.18 to 4.13)" in text  # pooled: Alder's complete table alone
    assert "3.00 (2.18–4.13)" in text  # Alder, which allowed naming, in the table by organisation
    assert "Fewer than 5 detentions" in text  # mixed (3) and other (0) withheld, with the rule stated
    assert "no correction is added" in text


def test_a_draft_is_watermarked_and_marks_every_page_with_unreviewed_codes(factory, db):
    s = synthesis_scenario.build(factory)
    draft = pages(pdf_of(gather(s.current.id, draft=True)))
    assert all("DRAFT — not for publication" in p for p in draft)
    marked = [i for i, p in enumerate(draft) if re.search(rf"{re.escape(s.t1.name)} \*", p)]
    assert marked
    assert all("This page includes unreviewed machine codes" in draft[i] for i in marked)
    published = pages(pdf_of(gather(s.current.id)))
    assert not any("DRAFT" in p or "unreviewed machine codes" in p for p in published)
    assert len(published) > 3
    assert all(re.search(rf"Page {i + 1} of {len(published)}$", p.strip()) for i, p in enumerate(published))


def test_outline_metadata_and_embedded_fonts(factory, db, tmp_path: Path):
    s = synthesis_scenario.build(factory)
    pdf = pdf_of(gather(s.current.id))
    reader = PdfReader(io.BytesIO(pdf))
    meta = reader.metadata
    assert meta.title == "Thematic synthesis: Round 2"
    assert meta.author == "The pledge team"
    assert "5 of 6 signatories reported" in meta.subject
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    assert top[:3] == [
        "Executive summary",
        "Self-assessed progress",
        f"Commitment 1: {s.current.pledge.commitments[0].title}",
    ]
    assert top[-3:] == ["Challenges and support wanted", "Who reported", "Method"]
    contents = pages(pdf)[1]
    assert all(title in contents for title in ("Executive summary", "Who reported", "Method"))
    path = tmp_path / "s.pdf"
    path.write_bytes(pdf)
    listed = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert listed and all(line.split()[-5] == "yes" for line in listed), listed  # the "emb" column
    assert all("DejaVuSans" in line for line in listed)


def _with_text(data: SynthesisData, text: str, name: str) -> SynthesisData:
    """The data with one quote and one organisation's name replaced."""
    c1 = data.commitments[0]
    quote = Quote(c1.themes[0].key, text, name, 1, False)
    org = replace(data.organisations[0], name=name)
    return replace(
        data,
        commitments=(replace(c1, quotes=(quote,)), *data.commitments[1:]),
        organisations=(org, *data.organisations[1:]),
    )


def test_user_text_prints_literally_and_nothing_crashes(factory, db):
    s = synthesis_scenario.build(factory)
    payload = '<font size=40>big</font> <img src="/etc/passwd"/> <b>unclosed & more'
    text = " ".join(pages(pdf_of(_with_text(gather(s.current.id), payload, "A&B <i>Trust"))))
    assert payload in text
    assert "A&B <i>Trust" in text


def test_many_scripts_render_and_a_missing_glyph_is_replaced_visibly(factory, db):
    s = synthesis_scenario.build(factory)
    words = "Zażółć gęślą jaźń · Tiếng Việt · Ελληνικά · Кириллица · ✓ → € ≥"
    text = " ".join(pages(pdf_of(_with_text(gather(s.current.id), f"{words} 漢 مرحبا", "Łódź NHS Trust"))))
    assert words in text
    assert "\ufffd" in text and "漢" not in text  # DejaVu has no CJK: a visible replacement, not a gap
    assert arabic_reshaper.reshape("مرحبا") in text  # shaped: the letters joined as Arabic writes them
    assert "Łódź NHS Trust" in text


def test_right_to_left_text_is_shaped_and_its_lines_read_in_order(factory, db):
    """pypdf reads right-to-left runs back in logical order, so a line drawn in display order with joined forms
    reads back as the shaped logical text; letters drawn as they are stored would read back reversed and apart."""
    s = synthesis_scenario.build(factory)
    ordinals = ("الأولى", "الثانية", "الثالثة", "الرابعة", "الخامسة", "السادسة", "السابعة", "الثامنة")
    sentences = [f"الجملة {n} عن العمل مع العائلات والمجتمعات المحلية في المنطقة." for n in ordinals]
    hebrew = "עבדנו עם משפחות וקהילות"
    text = " ".join(pages(pdf_of(_with_text(gather(s.current.id), " ".join(sentences) + f" {hebrew}", "Alder"))))
    flat = re.sub(r"\s+", " ", text)
    positions = [flat.find(arabic_reshaper.reshape(f"الجملة {n}")) for n in ordinals]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)  # wrapped lines top to bottom
    assert arabic_reshaper.reshape("مع العائلات") in flat and hebrew in flat


def test_a_long_table_splits_across_pages_with_its_header_repeated(factory, db):
    s = synthesis_scenario.build(factory)
    data = gather(s.current.id)
    many = tuple(
        Organisation(1000 + i, f"Organisation {i:03d}", "Council", "London", 0, False, False, False, False, "a council")
        for i in range(150)
    )
    texts = pages(pdf_of(replace(data, organisations=many, expected=150)))
    holding = [p for p in texts if "Organisation 0" in p]
    assert len(holding) >= 3
    assert all("Organisation Type Region Reported" in p for p in holding)
