"""Browse a round's free-text answers: filters, full-text search, counts per facet and keyset pages.

A page costs the same few statements whatever the round's size: one for the page's rows (keyset on the answer id
over the (round, id) index, so page 300 is as cheap as page 1), one for their codes, one for the review data's
version; then, unless this process counted the same filters under that version, one for every facet's counts (a
UNION ALL) and one for the total. On PostgreSQL two more around the rows and the counts ask for plans made for
their own values (`custom_plans`). Full-text search is PostgreSQL's (`websearch_to_tsquery` over the GIN index of
`survey/models/search.py`); SQLite falls back to a case-insensitive LIKE.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from survey.extensions import custom_plans, db
from survey.models import Answer, AnswerReview, Code, CodeDecision, Organisation, Response
from survey.models.search import FTS_CONFIG, answer_document
from survey.models.states import CodeSource, CodeStatus, ResponseStatus
from survey.services import browse_counts

PAGE_SIZE = 25
SEARCH_MAX = 200


class ReviewStatus(StrEnum):
    """Where an answer is in review: unreviewed (no reviewer marked it), reviewed (one or more did, and they agree),
    disputed (two reviewers' decisions on one of its codes differ)."""

    UNREVIEWED = "unreviewed"
    REVIEWED = "reviewed"
    DISPUTED = "disputed"


class FilterError(ValueError):
    """A filter value that cannot be used, with a message a person understands."""


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; None (or "") means any."""

    commitment: int | None = None
    question: str | None = None
    theme: str | None = None
    organisation: int | None = None
    kind: str | None = None
    status: ReviewStatus | None = None
    source: CodeSource | None = None
    q: str = ""

    def without(self, name: str) -> Filters:
        """These filters with one of them cleared (a facet counts as if its own choice were not made)."""
        return replace(self, **{name: "" if name == "q" else None})

    def query_args(self) -> dict[str, Any]:
        """The filters as URL query arguments (only those set)."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) not in (None, "")}

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return bool(self.query_args())


def _int(raw: str, label: str) -> int | None:
    """A positive whole number from the query string, or None when blank."""
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise FilterError(f"{label} must be a whole number")
    return int(raw)


def _choice(raw: str, allowed: Iterable[str], label: str) -> str | None:
    """One of the allowed values, or None when blank."""
    if not raw:
        return None
    if raw not in set(allowed):
        raise FilterError(f"There is no {label} called “{raw[:80]}” in this round: choose one from the list")
    return raw


def parse_cursor(raw: str) -> int | None:
    """A page key from the query string (an answer id), or None when blank; raises FilterError."""
    return _int(raw.strip(), "The page link")


def parse_filters(args: dict[str, str], *, themes: Iterable[str], questions: Iterable[str]) -> Filters:
    """Filters from a query string, checked against the round's themes and questions; raises FilterError."""
    get = {k: (args.get(k) or "").strip() for k in (f.name for f in fields(Filters))}
    q = get["q"]
    if len(q) > SEARCH_MAX:
        raise FilterError(f"Search for {SEARCH_MAX} characters or fewer")
    if "\x00" in q:
        raise FilterError("Search words cannot contain a NUL character")
    commitment = _int(get["commitment"], "Commitment")
    if commitment is not None and not 1 <= commitment <= 50:
        raise FilterError("Choose a commitment from the list")
    from survey.models import ORGANISATION_KINDS

    status = _choice(get["status"], [s.value for s in ReviewStatus], "review status")
    source = _choice(get["source"], [s.value for s in CodeSource], "code source")
    return Filters(
        commitment=commitment,
        question=_choice(get["question"], questions, "question"),
        theme=_choice(get["theme"], themes, "theme"),
        organisation=_int(get["organisation"], "Organisation"),
        kind=_choice(get["kind"], ORGANISATION_KINDS, "organisation type"),
        status=ReviewStatus(status) if status else None,
        source=CodeSource(source) if source else None,
        q=q,
    )


def _live_code(answer_id: ColumnElement[int], theme: str | None = None, source: str | None = None) -> Any:
    """The answer has a code that is not rejected, of this theme or source (its own alias: the facet queries join
    codes themselves)."""
    code = aliased(Code)
    where = [code.answer_id == answer_id, code.status != CodeStatus.REJECTED]
    if theme:
        where.append(code.theme_key == theme)
    if source:
        where.append(code.source == source)
    return select(code.id).where(*where).exists()


def _disputed(answer_id: ColumnElement[int]) -> Any:
    """Two reviewers' decisions on one of the answer's codes differ."""
    first, second, code = aliased(CodeDecision), aliased(CodeDecision), aliased(Code)
    return (
        select(first.id)
        .join(
            second,
            and_(
                second.code_id == first.code_id,
                second.reviewer_id > first.reviewer_id,
                second.decision != first.decision,
            ),
        )
        .join(code, code.id == first.code_id)
        .where(code.answer_id == answer_id)
        .exists()
    )


def _reviewed(answer_id: ColumnElement[int]) -> Any:
    """A reviewer marked the answer reviewed."""
    return select(AnswerReview.id).where(AnswerReview.answer_id == answer_id).exists()


def review_status(answer_id: ColumnElement[int]) -> ColumnElement[str]:
    """An answer's review status as SQL (see ReviewStatus): disputed first, then reviewed, else unreviewed."""
    return case(
        (_disputed(answer_id), literal(ReviewStatus.DISPUTED.value)),
        (_reviewed(answer_id), literal(ReviewStatus.REVIEWED.value)),
        else_=literal(ReviewStatus.UNREVIEWED.value),
    )


def _status_is(answer_id: ColumnElement[int], status: ReviewStatus) -> ColumnElement[bool]:
    """The answer's review status is `status`, as plain EXISTS tests the planner can estimate."""
    if status == ReviewStatus.DISPUTED:
        return _disputed(answer_id)
    if status == ReviewStatus.REVIEWED:
        return and_(_reviewed(answer_id), ~_disputed(answer_id))
    return and_(~_reviewed(answer_id), ~_disputed(answer_id))


def _search(q: str) -> ColumnElement[bool]:
    """Full-text search on PostgreSQL (web-search syntax: words, "phrases", -not, or), LIKE on SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        return answer_document().op("@@")(func.websearch_to_tsquery(FTS_CONFIG, q))
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(Answer.text).like(f"%{escaped}%", escape="\\")


def _base(round_id: int, f: Filters, name: str, *, materialized: bool = True) -> CTE:
    """The round's submitted free-text answers under the filters on their own columns (and the search), as a
    CTE; for the counts on PostgreSQL MATERIALIZED, so the code and review tests run on these rows only, whatever
    the planner guesses about their combined selectivity; for a page not, so it walks the round's answers by the
    (round, id) index and stops at the page's end."""
    where: list[ColumnElement[bool]] = [
        Answer.round_id == round_id,
        Response.status == ResponseStatus.SUBMITTED,
        Answer.text.is_not(None),
        Answer.text != "",
    ]
    if f.commitment is not None:
        where.append(Answer.commitment_number == f.commitment)
    if f.question:
        where.append(Answer.question_key == f.question)
    if f.organisation is not None:
        where.append(Response.organisation_id == f.organisation)
    if f.kind:
        where.append(Organisation.kind == f.kind)
    if f.q:
        where.append(_search(f.q))
    base = (
        select(
            Answer.id.label("id"),
            Answer.response_id.label("response_id"),
            Response.organisation_id.label("organisation_id"),
            Organisation.name.label("organisation"),
            Organisation.kind.label("kind"),
            Answer.commitment_number.label("commitment"),
            Answer.question_key.label("question"),
            Answer.text.label("text"),
        )
        .join(Response, Response.id == Answer.response_id)
        .join(Organisation, Organisation.id == Response.organisation_id)
        .where(*where)
        .cte(name)
    )
    if materialized and db.session.get_bind().dialect.name == "postgresql":
        base = base.prefix_with("MATERIALIZED")
    return base


def _row_conditions(base: CTE, f: Filters) -> list[Any]:
    """The filters `_base` leaves to its rows: theme, code source and review status."""
    where: list[Any] = []
    if f.theme:
        where.append(_live_code(base.c.id, theme=f.theme))
    if f.source:
        where.append(_live_code(base.c.id, source=f.source))
    if f.status:
        where.append(_status_is(base.c.id, f.status))
    return where


def _answers(round_id: int, f: Filters, name: str = "round_answers", **options: bool) -> tuple[CTE, list[Any]]:
    """The round's answers under the filters: the CTE of `_base` and the conditions left for its rows."""
    base = _base(round_id, f, name, **options)
    return base, _row_conditions(base, f)


@dataclass(frozen=True)
class Row:
    """One answer in the list."""

    answer_id: int
    response_id: int
    organisation_id: int
    organisation: str
    kind: str
    commitment: int | None
    question: str
    text: str
    status: ReviewStatus
    codes: tuple[tuple[str, str, str], ...]  # (theme key, source, status), not rejected


@dataclass(frozen=True)
class Page:
    """A page of the list, its neighbours' keys, the total and the counts per facet."""

    rows: tuple[Row, ...]
    total: int
    organisations: int
    facets: dict[str, dict[str, int]]
    next_after: int | None
    previous_before: int | None


FACETS = ("commitment", "question", "theme", "kind", "status", "source")


BASE_FILTERS = ("commitment", "question", "kind")  # the facets whose own filter is one of `_base`'s


def _facet_counts(round_id: int, f: Filters) -> Any:
    """Every facet's counts in one statement: (facet, value, answers), each with its own filter cleared. Facets
    whose clearing leaves `_base` unchanged share one CTE, so a page materialises the round's rows once or twice."""
    text = String(80)
    shared = _base(round_id, f, "facet_rows")
    parts = []
    for name in (*BASE_FILTERS, "status", "theme", "source"):
        others = f.without(name)
        base = _base(round_id, others, f"facet_{name}") if name in BASE_FILTERS and getattr(f, name) else shared
        where = _row_conditions(base, others)
        if name in ("theme", "source"):
            column = Code.theme_key if name == "theme" else cast(Code.source, text)
            parts.append(
                select(literal(name), column, func.count(distinct(base.c.id)))
                .select_from(base)
                .join(Code, and_(Code.answer_id == base.c.id, Code.status != CodeStatus.REJECTED))
                .where(*where)
                .group_by(column)
            )
            continue
        column = {
            "commitment": cast(base.c.commitment, text),
            "question": base.c.question,
            "kind": base.c.kind,
            "status": review_status(base.c.id),
        }[name]
        parts.append(select(literal(name), column, func.count()).select_from(base).where(*where).group_by(column))
    return union_all(*parts)


def page(round_id: int, f: Filters, *, after: int | None = None, before: int | None = None) -> Page:
    """One page of answers after (or before) an answer id, with the total and the facets' counts (cached by the
    review data's version: `browse_counts`)."""
    base, where = _answers(round_id, f, materialized=False)
    b = base.c
    stmt = select(b.id, b.response_id, b.organisation_id, b.organisation, b.kind, b.commitment, b.question, b.text)
    stmt = stmt.where(*where)
    backwards = before is not None and after is None
    if backwards:
        stmt = stmt.where(b.id < before).order_by(b.id.desc())
    else:
        stmt = stmt.where(b.id > (after or 0)).order_by(b.id)
    # The review status of the page's rows only (in the same SELECT, the planner hashed every decision).
    rows_of = stmt.limit(PAGE_SIZE + 1).subquery("page_rows")
    stmt = select(*rows_of.c, review_status(rows_of.c.id)).order_by(rows_of.c.id.desc() if backwards else rows_of.c.id)
    with custom_plans():
        found = db.session.execute(stmt).all()
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    if backwards:
        found.reverse()
    codes = _codes_of([r[0] for r in found])
    rows = tuple(
        Row(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], ReviewStatus(r[8]), codes.get(r[0], ())) for r in found
    )
    total, organisations, facets = browse_counts.counts(("browse", round_id, f), lambda: _counts(round_id, f))
    first, last = (rows[0].answer_id, rows[-1].answer_id) if rows else (None, None)
    return Page(
        rows=rows,
        total=total,
        organisations=organisations,
        facets=facets,
        next_after=last if (backwards or more) else None,
        previous_before=first if (more if backwards else after is not None) else None,
    )


def _counts(round_id: int, f: Filters) -> tuple[int, int, dict[str, dict[str, int]]]:
    """The list's total, its organisations and every facet's counts (two statements over the round's rows)."""
    base, where = _answers(round_id, f)
    facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    with custom_plans():
        total, organisations = db.session.execute(
            select(func.count(), func.count(distinct(base.c.organisation_id))).select_from(base).where(*where)
        ).one()
        for name, value, count in db.session.execute(_facet_counts(round_id, f)):
            if value is not None:
                facets[name][str(value)] = count
    return total, organisations, facets


def _codes_of(answer_ids: list[int]) -> dict[int, tuple[tuple[str, str, str], ...]]:
    """The live codes of these answers, in one query."""
    if not answer_ids:
        return {}
    out: dict[int, list[tuple[str, str, str]]] = {}
    rows = db.session.execute(
        select(Code.answer_id, Code.theme_key, Code.source, Code.status)
        .where(Code.answer_id.in_(answer_ids), Code.status != CodeStatus.REJECTED)
        .order_by(Code.answer_id, Code.theme_key)
    )
    for answer_id, key, source, status in rows:
        out.setdefault(answer_id, []).append((key, str(source), str(status)))
    return {k: tuple(v) for k, v in out.items()}
