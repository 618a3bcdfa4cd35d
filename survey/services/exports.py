"""Exports of a round's submitted answers: long (one row per answer) and wide (one row per organisation), as CSV
or XLSX. Rows are streamed from the database (a server-side cursor on PostgreSQL) and written as they come, so
100,000 answers never sit in memory; the writers are pure functions over rows writing to a file object.

Every text cell that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a carriage return) is
prefixed with an apostrophe, and XLSX cells are written as strings, never formulas. Organisation ids and question
keys are stable, so rounds line up.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Organisation, Response, Round
from survey.models.states import ResponseStatus
from survey.questionnaire import expand

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (and so XLSX) cannot hold: removed from XLSX cells (a CSV keeps them).
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
STREAM_ROWS = 2000
SHAPES = ("long", "wide")
FORMATS = ("csv", "xlsx")

LONG_HEADER = [
    "organisation_id",
    "organisation",
    "reference",
    "submitted_at",
    "field_key",
    "question_key",
    "commitment",
    "question",
    "answer",
]
# Column widths (in characters) of the first columns of each sheet, so the file opens readable.
WIDTHS = {"Answers": (16, 36, 14, 22, 24, 22, 11, 50, 80), "Questions": (24, 22, 11, 80)}
WIDE_FIXED = ["organisation_id", "organisation", "organisation_type", "region", "reference", "submitted_at"]


def neutralise(value: str) -> str:
    """A text a spreadsheet will not run: an apostrophe before a leading =, +, -, @, tab or carriage return."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cell(value: Any) -> Any:
    """A value as a cell: numbers stay numbers, times become ISO text, lists and tables text; text without the
    control characters XML cannot hold (no answer has them: the forms refuse them), and neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return neutralise(XML_ILLEGAL.sub("", str(value)))


@dataclass(frozen=True)
class Column:
    """A question of the round: its answer's field key, stable question key, commitment and label."""

    field_key: str
    question_key: str
    commitment: int | None
    label: str


def columns(rnd: Round) -> list[Column]:
    """Every question the round's questionnaire can ask, in order (first and later reports alike)."""
    commitments = [(c.number, c.title) for c in rnd.pledge.commitments]
    found: dict[str, Column] = {}
    for first in (True, False):
        for q in expand(rnd.questionnaire.definition, commitments, first_report=first).questions():
            found.setdefault(q.field_key, Column(q.field_key, q.key, q.commitment, q.label))
    return list(found.values())


def _answers(round_id: int) -> Iterator[Any]:
    """The round's submitted answers with their organisations, by organisation then field, streamed."""
    query = (
        select(
            Organisation.id,
            Organisation.name,
            Organisation.kind,
            Organisation.region,
            Response.reference,
            Response.submitted_at,
            Answer.field_key,
            Answer.question_key,
            Answer.commitment_number,
            Answer.value,
        )
        .join(Response, Answer.response_id == Response.id)
        .join(Organisation, Response.organisation_id == Organisation.id)
        .where(Response.round_id == round_id, Response.status == ResponseStatus.SUBMITTED)
        .order_by(Organisation.id, Answer.field_key)
        .execution_options(yield_per=STREAM_ROWS)
    )
    yield from db.session.execute(query)


def long_rows(rnd: Round) -> Iterator[list[Any]]:
    """One row per answer (the header first). The questions are read now; the answers as the rows are consumed
    (a streamed download reads them after the view has returned)."""
    return _long_rows(rnd.id, {c.field_key: c.label for c in columns(rnd)})


def _long_rows(round_id: int, labels: dict[str, str]) -> Iterator[list[Any]]:
    yield LONG_HEADER
    # Per organisation and per question, the cells are made once: 100,000 answers repeat a few hundred of each.
    organisation: tuple[Any, list[Any]] = (None, [])
    questions: dict[str, list[Any]] = {}
    for org_id, name, _kind, _region, reference, submitted_at, field_key, question_key, commitment, value in _answers(
        round_id
    ):
        if organisation[0] != org_id:
            organisation = (org_id, [org_id, cell(name), cell(reference), cell(submitted_at)])
        question = questions.get(field_key)
        if question is None:
            number = commitment if commitment is not None else ""
            question = questions[field_key] = [
                cell(field_key),
                cell(question_key),
                number,
                cell(labels.get(field_key, "")),
            ]
        yield [*organisation[1], *question, cell(value)]


def wide_rows(rnd: Round) -> Iterator[list[Any]]:
    """One row per organisation, a column per question key (the header first: the keys; labels are in the long
    export and the XLSX "Questions" sheet). The questions are read now, the answers as the rows are consumed."""
    return _wide_rows(rnd.id, [c.field_key for c in columns(rnd)])


def _wide_rows(round_id: int, keys: list[str]) -> Iterator[list[Any]]:
    yield WIDE_FIXED + keys
    current: list[Any] | None = None
    values: dict[str, Any] = {}
    for org_id, name, kind, region, reference, submitted_at, field_key, _q, _c, value in _answers(round_id):
        if current is None or current[0] != org_id:
            if current is not None:
                yield current + [values.get(k, "") for k in keys]
            current = [org_id, cell(name), cell(kind), cell(region), cell(reference), cell(submitted_at)]
            values = {}
        values[field_key] = cell(value)
    if current is not None:
        yield current + [values.get(k, "") for k in keys]


def question_rows(rnd: Round) -> Iterator[list[Any]]:
    """The questions sheet: key, question key, commitment and label of every column."""
    yield ["field_key", "question_key", "commitment", "question"]
    for c in columns(rnd):
        yield [cell(c.field_key), cell(c.question_key), c.commitment or "", cell(c.label)]


def csv_chunks(rows: Iterable[Sequence[Any]], *, rows_per_chunk: int = 500) -> Iterator[str]:
    """CSV text in chunks (a UTF-8 byte order mark first, so spreadsheet programs read the encoding right)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for i, row in enumerate(rows, start=1):
        writer.writerow(row)
        if i % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(sheets: Sequence[tuple[str, Iterable[Sequence[Any]]]], out: IO[bytes]) -> None:
    """Write sheets of rows (of `cell` values) to an XLSX file object in openpyxl's write-only mode (rows go to
    disk as they come); no text cell starts with =, so none is a formula."""
    from openpyxl import Workbook  # only the export needs it
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.freeze_panes = "B2"  # the header row and the organisation id stay in view
        for index, width in enumerate(WIDTHS.get(title, ()), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        for row in rows:
            sheet.append(row)
    workbook.save(out)


def filename(rnd: Round, shape: str, fmt: str) -> str:
    """The download's file name: the round's name made safe, the shape and the format."""
    slug = re.sub(r"[^a-z0-9]+", "-", rnd.name.lower()).strip("-") or f"round-{rnd.id}"
    return f"{slug}-answers-{shape}.{fmt}"


def write_export(rnd: Round, shape: str, out: IO[bytes]) -> None:
    """Write a round's XLSX export of this shape: the answers, then the questions."""
    rows = long_rows(rnd) if shape == "long" else wide_rows(rnd)
    write_xlsx([("Answers", rows), ("Questions", question_rows(rnd))], out)
