"""Exports of a round's answers, downloaded over HTTP and read back with the writer's own reader (openpyxl), an
independent one (python-calamine) and the csv module: long and wide, stable organisation ids and question keys,
only submitted reports, formula starts neutralised, and XLSX cells strings never formulas (a fuzz test)."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from bench.round_data import seed_round
from survey.models import Round
from survey.services import exports
from tests.staff_login import sign_in

FORMULA_TEXTS = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-3", "@SUM(A1:A2)", "\tTab", "\rCR", "plain"]


def _xlsx_rows(content: bytes, sheet: str = "Answers") -> tuple[list[list[object]], list[list[object]]]:
    """The sheet's rows as openpyxl and as calamine read them (empty cells as "")."""
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    mine = [["" if v is None else v for v in row] for row in workbook[sheet].iter_rows(values_only=True)]
    for row in workbook[sheet].iter_rows():
        assert all(cell.data_type != "f" for cell in row)  # never a formula
    theirs = (
        CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    )
    return mine, theirs


def _same(mine: list[list[object]], theirs: list[list[object]]) -> None:
    """The two readers agree (calamine reads whole numbers as floats; either may end a row's empty cells early)."""
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs, strict=True):
        b = [int(v) if isinstance(v, float) and v.is_integer() else v for v in b]
        while a and a[-1] == "":
            a = a[:-1]
        while b and b[-1] == "":
            b = b[:-1]
        assert a == b


def test_every_export_reads_back_alike_in_both_readers_with_formulas_neutralised(client, lead, db):
    seeded = seed_round(16, answers_per_report=7, texts=FORMULA_TEXTS)
    sign_in(client, *lead)
    base = f"/manage/rounds/{seeded.round_id}"
    assert "Download the answers" in client.get(f"{base}/exports").text
    files = {(s, f): client.get(f"{base}/answers-{s}.{f}") for s in exports.SHAPES for f in exports.FORMATS}
    assert all(r.status_code == 200 for r in files.values())
    assert files[("long", "xlsx")].headers["content-disposition"] == "attachment; filename=round-1-answers-long.xlsx"
    long_csv = list(csv.reader(io.StringIO(files[("long", "csv")].content.decode("utf-8-sig"), newline="")))
    assert long_csv[0] == exports.LONG_HEADER and len(long_csv) == 1 + seeded.answers == 1 + 4 * 7
    answers = {row[-1] for row in long_csv[1:]}
    assert answers == {
        '\'=HYPERLINK("http://evil.example","x")',
        "'+1+2",
        "'-3",
        "'@SUM(A1:A2)",
        "'\tTab",
        "'\rCR",
        "plain",
    }
    assert {row[0] for row in long_csv[1:]} == {"1", "5", "9", "13"}  # the organisations' own ids: stable
    mine, theirs = _xlsx_rows(files[("long", "xlsx")].content)
    _same(mine, theirs)
    assert [[str(v) for v in row] for row in mine[1:]] == long_csv[1:]
    wide_csv = list(csv.reader(io.StringIO(files[("wide", "csv")].content.decode("utf-8-sig"), newline="")))
    rnd = db.session.get(Round, seeded.round_id)
    keys = [c.field_key for c in exports.columns(rnd)]
    assert wide_csv[0] == exports.WIDE_FIXED + keys and len(wide_csv) == 5
    assert [row[0] for row in wide_csv[1:]] == ["1", "5", "9", "13"]
    first = dict(zip(wide_csv[0], wide_csv[1], strict=True))
    assert first[keys[0]] == '\'=HYPERLINK("http://evil.example","x")' and first[keys[6]] == "plain"
    mine, theirs = _xlsx_rows(files[("wide", "xlsx")].content)
    _same(mine, theirs)
    questions, _ = _xlsx_rows(files[("wide", "xlsx")].content, "Questions")
    assert [row[0] for row in questions[1:]] == keys and all(row[3] for row in questions[1:])


def test_drafts_are_not_exported_and_an_unknown_shape_is_not_found(client, lead, db, factory):
    seeded = seed_round(8, answers_per_report=2)
    sign_in(client, *lead)
    rows = client.get(f"/manage/rounds/{seeded.round_id}/answers-long.csv").text.splitlines()
    assert len(rows) == 1 + 2 * 2  # two submitted reports of eight organisations
    assert client.get(f"/manage/rounds/{seeded.round_id}/answers-tall.csv").status_code == 404
    assert client.get(f"/manage/rounds/{seeded.round_id}/answers-long.ods").status_code == 404


# Any text at all, with the formula starts and awkward characters made likely.
TEXTS = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.builds(
    lambda start, rest: start + rest, st.sampled_from(list("=+-@\t\r") + ["\x00=", " =", "\x01+"]), st.text(max_size=20)
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(TEXTS, min_size=1, max_size=8))
def test_no_cell_of_any_text_starts_a_formula_in_csv_or_xlsx(values):
    row = [exports.cell(v) for v in values]
    assert not any(c.startswith(exports.FORMULA_STARTS) for c in row)
    row = [7, *row]  # a row starts with its organisation's id, as every export's does
    text = "".join(exports.csv_chunks([row]))
    assert next(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))) == [str(c) for c in row]
    out = io.BytesIO()
    exports.write_xlsx([("Answers", [row])], out)
    mine, theirs = _xlsx_rows(out.getvalue())
    expected = [7, *(exports.neutralise(exports.XML_ILLEGAL.sub("", c)) for c in row[1:])]
    assert mine[0] == expected[: len(mine[0])] and all(e == "" for e in expected[len(mine[0]) :])
    assert not any(isinstance(c, str) and c.startswith(exports.FORMULA_STARTS) for c in theirs[0])
    _same(mine, theirs)


def test_long_export_streams_rows_from_a_cursor(db):
    seeded = seed_round(4, answers_per_report=3)
    rnd = db.session.scalar(select(Round).where(Round.id == seeded.round_id))
    rows = exports.long_rows(rnd)
    assert next(rows) == exports.LONG_HEADER  # a generator: rows are made as they are read
    assert sum(1 for _ in rows) == seeded.answers
