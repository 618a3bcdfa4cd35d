"""Exports of a round's coding as CSV: the coded segments, and the codebook. Streamed row by row, with the cell
rules of the answers export (`survey/services/exports.py`): a cell a spreadsheet would run as a formula gets a
leading apostrophe, so a respondent's text cannot execute in the reader's spreadsheet.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Code, CodeDecision, Organisation, Response, Round, User
from survey.services import exports
from survey.services.qda import ThemeRef, answer_filter

SEGMENT_COLUMNS = (
    "organisation",
    "round",
    "commitment",
    "question",
    "theme",
    "start",
    "end",
    "quoted text",
    "source",
    "decision",
    "reviewer",
)
CODEBOOK_COLUMNS = ("key", "name", "description")
BATCH = 2000


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text in chunks, with a header; cells written as the answers export writes them (never a formula)."""
    return exports.csv_chunks(itertools.chain([header], ([exports.cell(v) for v in row] for row in rows)))


def segment_rows(rnd: Round, themes: Sequence[ThemeRef], labels: dict[str, str]) -> Iterator[tuple[Any, ...]]:
    """One row per piece of evidence of every code in the round (a code without spans: one row, no offsets)."""
    names = {t.key: t.name for t in themes}
    last = 0
    while True:
        codes = db.session.execute(
            select(Code, Answer.text, Answer.commitment_number, Answer.question_key, Organisation.name)
            .join(Answer, Answer.id == Code.answer_id)
            .join(Response, Response.id == Answer.response_id)
            .join(Organisation, Organisation.id == Response.organisation_id)
            .where(*answer_filter(rnd.id), Code.id > last)
            .order_by(Code.id)
            .limit(BATCH)
        ).all()
        if not codes:
            return
        decisions = _decisions([c.id for c, *_ in codes])
        for code, text, commitment, question, organisation in codes:
            common = (organisation, rnd.name, commitment or "", labels.get(question, question))
            tail = (code.source, code.status, decisions.get(code.id, ""))
            theme = names.get(code.theme_key, code.theme_key)
            spans = code.spans or [(None, None)]
            for start, end in spans:
                quote = text[start:end] if start is not None else ""
                yield (*common, theme, "" if start is None else start, "" if end is None else end, quote, *tail)
        last = codes[-1][0].id


def _decisions(code_ids: list[int]) -> dict[int, str]:
    """Who decided each code and how: "Name: accepted; Name: rejected"."""
    found: dict[int, list[str]] = {}
    for code_id, name, decision in db.session.execute(
        select(CodeDecision.code_id, User.name, CodeDecision.decision)
        .join(User, User.id == CodeDecision.reviewer_id)
        .where(CodeDecision.code_id.in_(code_ids))
        .order_by(CodeDecision.code_id, CodeDecision.id)
    ):
        found.setdefault(code_id, []).append(f"{name}: {decision}")
    return {k: "; ".join(v) for k, v in found.items()}


def codebook_rows(themes: Sequence[ThemeRef]) -> Iterator[tuple[str, str, str]]:
    """One row per theme."""
    for t in themes:
        yield (t.key, t.name, t.description)
