"""Reviewing an answer's codes: deciding (with an optimistic check, so no decision is lost), undoing, adding a code
from a quoted passage, marking an answer reviewed, and moving through a list of answers.

Every decision is a `code_decisions` row (who, when, before, after) and an audit event; `Code.status` is the
resolved standing, except on a double-coded answer, whose reviewers' decisions stay apart until the lead resolves
them (`survey/services/double_coding.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, exists, literal, literal_column, select, update
from sqlalchemy.orm import contains_eager

from survey.extensions import db
from survey.models import (
    Answer,
    AnswerReview,
    Code,
    CodebookVersion,
    CodeDecision,
    QuestionnaireVersion,
    Response,
    Theme,
    User,
    utcnow,
)
from survey.models.review import DoubleCoding
from survey.models.states import CodeLevel, CodeSource, CodeStatus, Decision, ResponseStatus, TaggingState
from survey.services import audit, codebooks
from survey.services.coded import segments


class ReviewError(ValueError):
    """A review action that cannot be done, with a message a person understands."""


class CodeGone(ReviewError):
    """The code was removed (by a re-tag) after the reviewer saw it."""


class StaleDecision(ReviewError):
    """Someone else decided the code after the reviewer saw it: the later reviewer sees theirs and chooses."""

    def __init__(self, code: Code, other: CodeDecision | None, other_name: str) -> None:
        who = other_name or "Another reviewer"
        standing = other.decision if other else code.status
        super().__init__(
            f"{who} decided this code while you were looking at it: it is now {standing}. "
            "Choose again to keep or change their decision."
        )
        self.code = code
        self.other = other
        self.other_name = other_name


@dataclass(frozen=True)
class Context:
    """The list an answer is reviewed in: a round, optionally one commitment, question or theme."""

    round_id: int
    commitment: int | None = None
    question: str | None = None
    theme: str | None = None

    def params(self) -> dict[str, Any]:
        """The query parameters that carry this context from page to page."""
        found = {"round": self.round_id, "commitment": self.commitment, "question": self.question, "theme": self.theme}
        return {k: v for k, v in found.items() if v not in (None, "")}

    def where(self) -> list[ColumnElement[bool]]:
        """The conditions an answer (joined to its response) meets to be in this list."""
        return _conditions(self.round_id, self.commitment, self.question, self.theme)

    @property
    def shape(self) -> tuple[bool, bool, bool]:
        """Which of the optional filters the list has (statements are built once per shape)."""
        return (self.commitment is not None, bool(self.question), bool(self.theme))

    def values(self) -> dict[str, Any]:
        """The list's values, for the statements built once per shape."""
        return {
            "round_id": self.round_id,
            "commitment": self.commitment,
            "question": self.question,
            "theme": self.theme,
        }


def _conditions(round_id: Any, commitment: Any, question: Any, theme: Any) -> list[ColumnElement[bool]]:
    """The conditions of a list: values, or bind parameters (None leaves that filter out). The states are written
    into the SQL as constants, so PostgreSQL costs a prepared statement's generic plan with their statistics."""
    conditions = [
        Response.round_id == round_id,
        Response.status == literal(ResponseStatus.SUBMITTED.value, literal_execute=True),
        Answer.tagging != literal(TaggingState.NONE.value, literal_execute=True),
    ]
    if commitment is not None:
        conditions.append(Answer.commitment_number == commitment)
    if question is not None:
        conditions.append(Answer.question_key == question)
    if theme is not None:
        conditions.append(
            exists().where(Code.answer_id == Answer.id, Code.theme_key == theme, Code.status != CodeStatus.REJECTED)
        )
    return conditions


def context_from(args: Any, default_round: int) -> Context:
    """A context from query parameters (junk is ignored, so a hand-edited link still opens the answer)."""
    commitment = args.get("commitment", "")
    round_id = args.get("round", "")
    return Context(
        round_id=int(round_id) if round_id.isdigit() else default_round,
        commitment=int(commitment) if commitment.isdigit() else None,
        question=(args.get("question") or "").strip()[:80] or None,
        theme=(args.get("theme") or "").strip()[:80] or None,
    )


@dataclass(frozen=True)
class CodeView:
    """One code as the review page shows it, numbered in the answer's list."""

    number: int
    code: Any  # a row of the codes table (its columns by name)
    theme_name: str
    mine: Decision | None  # this reviewer's own decision
    standing: CodeStatus  # what this reviewer sees: the resolved standing, or their own on a blind double coding

    @property
    def toggled(self) -> Decision:
        """The decision that toggles this code (the 1–9 keys): accept unless it stands accepted."""
        return Decision.REJECTED if self.standing == CodeStatus.ACCEPTED else Decision.ACCEPTED


@dataclass(frozen=True)
class Navigation:
    """Where j/k and "mark reviewed and go to next" lead from an answer in its list."""

    previous: int | None
    next: int | None
    next_unreviewed: int | None


@dataclass(frozen=True)
class AnswerPage:
    """Everything the review page of one answer shows."""

    answer: Answer
    response: Response
    question: str
    codes: tuple[CodeView, ...]
    themes: tuple[tuple[str, str], ...]  # the codebook version's themes (key, name), to add a code
    reviewed: bool
    blind: bool  # a double coding this reviewer is one of the two of, not yet resolved
    navigation: Navigation
    segments: tuple[Any, ...] = field(default=())


def _double_coding(answer_id: int, reviewer_id: int) -> DoubleCoding | None:
    """The unresolved double coding of this answer that this reviewer is one of the two of, if any."""
    return db.session.scalar(
        select(DoubleCoding).where(
            DoubleCoding.answer_id == answer_id,
            DoubleCoding.resolved_at.is_(None),
            (DoubleCoding.first_reviewer_id == reviewer_id) | (DoubleCoding.second_reviewer_id == reviewer_id),
        )
    )


def answer_or_none(answer_id: int) -> Answer | None:
    """A free-text answer of a submitted report, with its response, round and organisation loaded (one query)."""
    return db.session.scalar(_answer_statement(), {"answer_id": answer_id})


@lru_cache(maxsize=1)
def _answer_statement() -> Any:
    """The statement of `answer_or_none`, built once."""
    return (
        select(Answer)
        .join(Response, Response.id == Answer.response_id)
        .options(
            contains_eager(Answer.response).joinedload(Response.round),
            contains_eager(Answer.response).joinedload(Response.organisation),
        )
        .where(
            Answer.id == bindparam("answer_id"),
            Response.status == ResponseStatus.SUBMITTED,
            Answer.tagging != TaggingState.NONE,
        )
    )


def version_of(answer: Answer) -> int:
    """The codebook version an answer was coded with (earlier rounds keep theirs), else the pledge's current one."""
    found = db.session.scalar(select(Code.codebook_version_id).where(Code.answer_id == answer.id).limit(1))
    return found or codebooks.current_version_id(answer.response.round.pledge_id)


def question_label(answer: Answer) -> str:
    """The question an answer answers, as the round's questionnaire words it (its key when unknown)."""
    return _labels(answer.response.round.questionnaire_version_id).get(answer.question_key, answer.question_key)


@lru_cache(maxsize=32)
def _labels(questionnaire_version_id: int) -> dict[str, str]:
    """Question labels by question key, per process: a stored questionnaire version never changes."""
    definition = db.session.scalar(
        select(QuestionnaireVersion.definition).where(QuestionnaireVersion.id == questionnaire_version_id)
    )
    return {q["key"]: q["label"] for section in (definition or {}).get("sections", []) for q in section["questions"]}


def themes_of(version_id: int) -> tuple[tuple[str, str], ...]:
    """A codebook version's themes in order, as (key, name), to add a code with."""
    stamp = db.session.scalar(select(CodebookVersion.created_at).where(CodebookVersion.id == version_id))
    return _themes(version_id, stamp)


@lru_cache(maxsize=32)
def _themes(version_id: int, stamp: Any) -> tuple[tuple[str, str], ...]:
    """A codebook version's (key, name) pairs, per process: a version never changes (`stamp` is its creation
    time, so a database recreated under the same ids is not mistaken for the one cached)."""
    query = select(Theme.key, Theme.name).where(Theme.codebook_version_id == version_id).order_by(Theme.position)
    return tuple((key, name) for key, name in db.session.execute(query))


def answer_page(answer: Answer, reviewer_id: int, context: Context) -> AnswerPage:
    """The review page of one answer for one reviewer, in a list. Its codes are read as rows, not loaded as ORM
    objects: the page only shows them, and the rows carry the same attribute names."""
    facts = _facts(answer.id, reviewer_id, context)
    blind = bool(facts.blind)
    rows = db.session.execute(_codes_statement(), {"answer_id": answer.id, "reviewer_id": reviewer_id}).all()
    themes = _themes(rows[0].codebook_version_id, rows[0].stamp) if rows else themes_of(version_of(answer))
    views = []
    if blind:  # a code the other reviewer added stays hidden, as their decisions do
        rows = [r for r in rows if r.source != CodeSource.REVIEWER or r.mine is not None]
    for number, code in enumerate(rows, start=1):
        standing = (CodeStatus(code.mine) if code.mine else CodeStatus.PROPOSED) if blind else code.status
        views.append(CodeView(number, code, code.theme_name, code.mine, standing))
    marked = [(s, e, str(v.number)) for v in views if v.standing != CodeStatus.REJECTED for s, e in v.code.spans]
    names = {str(v.number): v.theme_name for v in views}
    return AnswerPage(
        answer=answer,
        response=answer.response,
        question=question_label(answer),
        codes=tuple(views),
        themes=themes,
        reviewed=bool(facts.reviewed),
        blind=blind,
        navigation=Navigation(facts.previous, facts.next, facts.unreviewed_after or facts.unreviewed_first),
        segments=_with_starts(segments(answer.text or "", marked, tuple(names)), names),
    )


@lru_cache(maxsize=1)
def _codes_statement() -> Any:
    """An answer's codes with their theme's name, this reviewer's decision and their codebook version's creation
    time, in the codebook's order (built once)."""
    answer_id, reviewer_id = bindparam("answer_id"), bindparam("reviewer_id")
    return (
        select(
            *Code.__table__.c,
            Theme.name.label("theme_name"),
            CodeDecision.decision.label("mine"),
            CodebookVersion.created_at.label("stamp"),
        )
        .join(Theme, Theme.id == Code.theme_id)
        .join(CodebookVersion, CodebookVersion.id == Code.codebook_version_id)
        .outerjoin(CodeDecision, and_(CodeDecision.code_id == Code.id, CodeDecision.reviewer_id == reviewer_id))
        .where(Code.answer_id == answer_id)
        .order_by(Theme.position, Code.source)
    )


def _facts(answer_id: int, reviewer_id: int, context: Context) -> Any:
    """In one query: the neighbours of the answer in its list, the next unreviewed answer, whether this reviewer
    has reviewed it and whether it is double coded to them (unresolved)."""
    params = {**context.values(), "answer_id": answer_id, "reviewer_id": reviewer_id}
    return db.session.execute(_facts_statement(context.shape), params).one()


@lru_cache(maxsize=8)
def _facts_statement(shape: tuple[bool, bool, bool]) -> Any:
    """The facts query for a shape of list, built once (building it cost more than running it). What never varies
    (its LIMITs, the states in `_conditions`) is written as constants, not parameters: PostgreSQL costs a prepared
    statement's generic plan without knowing its parameters, and with `tagging <> $3` it thought the generic plan
    a thousand times dearer than it is, so it planned the statement afresh at every page (1.6 ms, against 0.3 ms
    for the generic plan)."""
    one = literal_column("1")
    commitment, question, theme = (bindparam(n) if on else None for n, on in zip(FILTERS, shape, strict=True))
    ids = select(Answer.id).join(Response, Response.id == Answer.response_id)
    ids = ids.where(*_conditions(bindparam("round_id"), commitment, question, theme))
    unreviewed = ids.where(~exists().where(AnswerReview.answer_id == Answer.id))
    answer_id, reviewer_id = bindparam("answer_id"), bindparam("reviewer_id")
    mine = (DoubleCoding.first_reviewer_id == reviewer_id) | (DoubleCoding.second_reviewer_id == reviewer_id)
    first = Answer.id.asc()
    return select(
        ids.where(Answer.id < answer_id).order_by(Answer.id.desc()).limit(one).scalar_subquery().label("previous"),
        ids.where(Answer.id > answer_id).order_by(first).limit(one).scalar_subquery().label("next"),
        unreviewed.where(Answer.id > answer_id).order_by(first).limit(one).scalar_subquery().label("unreviewed_after"),
        unreviewed.where(Answer.id < answer_id).order_by(first).limit(one).scalar_subquery().label("unreviewed_first"),
        exists().where(AnswerReview.answer_id == answer_id, AnswerReview.reviewer_id == reviewer_id).label("reviewed"),
        exists().where(DoubleCoding.answer_id == answer_id, DoubleCoding.resolved_at.is_(None), mine).label("blind"),
        one.label("one"),
    )


FILTERS = ("commitment", "question", "theme")


def _with_starts(pieces: Any, names: dict[str, str]) -> tuple[tuple[int, str, tuple[tuple[int, str], ...]], ...]:
    """Each piece of the text with its offset in the answer and its themes as (number, name): a selection in the
    page maps back to the answer's characters by the offset of the piece it falls in."""
    result, start = [], 0
    for piece in pieces:
        result.append((start, piece.text, tuple((int(n), names[n]) for n in piece.themes)))
        start += len(piece.text)
    return tuple(result)


def _ids(context: Context) -> Any:
    """A SELECT of the ids of the answers in a list."""
    return select(Answer.id).join(Response, Response.id == Answer.response_id).where(*context.where())


def navigation(answer_id: int, context: Context) -> Navigation:
    """The previous and next answers in the list, and the next one nobody has marked reviewed (wrapping round)."""
    facts = _facts(answer_id, 0, context)
    return Navigation(facts.previous, facts.next, facts.unreviewed_after or facts.unreviewed_first)


def search(context: Context, text: str, after_id: int) -> int | None:
    """The next answer in the list (after `after_id`, wrapping round) whose text contains `text`, any case."""
    ids = _ids(context).where(Answer.text.icontains(text.strip(), autoescape=True))
    found = db.session.scalar(ids.where(Answer.id > after_id).order_by(Answer.id).limit(1))
    return found if found is not None else db.session.scalar(ids.order_by(Answer.id).limit(1))


def _name(user_id: int) -> str:
    """A staff member's name, for messages."""
    return db.session.scalar(select(User.name).where(User.id == user_id)) or "Another reviewer"


def record_decision(code: Code, reviewer_id: int, before: CodeStatus, after: Decision, *, action: str) -> None:
    """This reviewer's decision row on the code (one per code and reviewer) and its audit event; flushes."""
    row = db.session.scalar(
        select(CodeDecision).where(CodeDecision.code_id == code.id, CodeDecision.reviewer_id == reviewer_id)
    )
    if row is None:
        row = CodeDecision(code_id=code.id, reviewer_id=reviewer_id)
        db.session.add(row)
    row.decision, row.before, row.at = after, before, utcnow()
    audit.record(
        action,
        actor_type="staff",
        actor_id=reviewer_id,
        target_type="code",
        target_id=code.id,
        summary=f"{code.theme_key} on answer {code.answer_id}: {before} → {after}",
        before=str(before),
        after=str(after),
        answer_id=code.answer_id,
    )
    db.session.flush()


def decide(code_id: int, reviewer_id: int, decision: Decision, seen_version: int) -> Code:
    """Record a reviewer's decision on a code they saw at `seen_version`; flushes.

    Raises CodeGone when a re-tag removed the code, StaleDecision when someone decided it since.
    """
    code = db.session.get(Code, code_id)
    if code is None:
        raise CodeGone(
            "This code no longer exists: the answers were re-tagged while you were reviewing, and the new codebook "
            "no longer finds this theme here. The page now shows the answer's current codes."
        )
    if _double_coding(code.answer_id, reviewer_id) is not None:
        mine = db.session.scalar(
            select(CodeDecision.decision).where(
                CodeDecision.code_id == code.id, CodeDecision.reviewer_id == reviewer_id
            )
        )
        record_decision(
            code, reviewer_id, CodeStatus(mine or CodeStatus.PROPOSED), decision, action="code.decided_blind"
        )
        return code
    before = code.status
    compare_and_set(code, seen_version, CodeStatus(decision))
    code.note = ""  # a note asking for a decision (a split theme's code) is answered by this one
    record_decision(code, reviewer_id, before, decision, action="code.decided")
    return code


def compare_and_set(code: Code, seen_version: int, status: CodeStatus) -> None:
    """Set the code's standing if nobody decided it since `seen_version` (one UPDATE naming that version)."""
    table = Code.__table__
    result = db.session.execute(
        update(table)
        .where(table.c.id == code.id, table.c.review_version == seen_version)
        .values(status=status, review_version=table.c.review_version + 1)
    )
    if result.rowcount == 1:
        db.session.refresh(code)
        return
    db.session.expire(code)
    if db.session.get(Code, code.id) is None:
        raise CodeGone("This code no longer exists: a re-tag removed it while you were reviewing.")
    other = db.session.scalar(
        select(CodeDecision).where(CodeDecision.code_id == code.id).order_by(CodeDecision.at.desc()).limit(1)
    )
    raise StaleDecision(code, other, _name(other.reviewer_id) if other else "")


def undo(answer_id: int, reviewer_id: int) -> Code:
    """Undo this reviewer's latest decision on the answer's codes, restoring the standing before it; flushes."""
    row = db.session.execute(
        select(CodeDecision, Code)
        .join(Code, Code.id == CodeDecision.code_id)
        .where(Code.answer_id == answer_id, CodeDecision.reviewer_id == reviewer_id)
        .order_by(CodeDecision.at.desc(), CodeDecision.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise ReviewError("There is nothing of yours to undo on this answer.")
    decision, code = row
    if _double_coding(answer_id, reviewer_id) is None:
        latest = db.session.scalar(
            select(CodeDecision.reviewer_id)
            .where(CodeDecision.code_id == code.id)
            .order_by(CodeDecision.at.desc(), CodeDecision.id.desc())
            .limit(1)
        )
        if latest != reviewer_id or code.status != decision.decision:
            raise ReviewError(
                f"{_name(latest or 0)} decided this code after you did: undoing yours would overwrite theirs."
            )
        compare_and_set(code, code.review_version, decision.before)
    audit.record(
        "code.undone",
        actor_type="staff",
        actor_id=reviewer_id,
        target_type="code",
        target_id=code.id,
        summary=f"{code.theme_key} on answer {answer_id}: {decision.decision} undone, back to {decision.before}",
        before=str(decision.decision),
        after=str(decision.before),
        answer_id=answer_id,
    )
    db.session.delete(decision)
    db.session.flush()
    return code


def quote_span(text: str, quote: str, start: int | None = None, end: int | None = None) -> tuple[int, int]:
    """The [start, end) of a quoted passage in an answer: the selection's offsets when they hold the quote, else
    where the quote first occurs. Raises ReviewError when it does not occur."""
    quote = quote.strip()
    if not quote:
        raise ReviewError("Enter the passage to code, copied from the answer.")
    if start is not None and end is not None and 0 <= start < end <= len(text) and text[start:end].strip() == quote:
        return start, end
    found = text.find(quote)
    if found < 0 and len(text.lower()) == len(text) and len(quote.lower()) == len(quote):
        found = text.lower().find(quote.lower())  # offsets hold only when lower-casing keeps the length
    if found < 0:
        raise ReviewError(
            "The passage you quoted is not in this answer. Copy the words exactly as they appear in the answer."
        )
    return found, found + len(quote)


def add_code(answer: Answer, reviewer_id: int, theme_key: str, span: tuple[int, int]) -> Code:
    """Code a passage of the answer with a theme, as this reviewer (a second passage joins the same code); flushes."""
    version_id = version_of(answer)
    theme = db.session.scalar(select(Theme).where(Theme.codebook_version_id == version_id, Theme.key == theme_key))
    if theme is None:
        raise ReviewError("Choose a theme from the list.")
    code = db.session.scalar(
        select(Code).where(Code.answer_id == answer.id, Code.theme_key == theme_key, Code.source == CodeSource.REVIEWER)
    )
    before = CodeStatus.PROPOSED
    if code is None:
        code = Code(
            answer_id=answer.id,
            theme_id=theme.id,
            theme_key=theme_key,
            codebook_version_id=version_id,
            source=CodeSource.REVIEWER,
            status=CodeStatus.ACCEPTED,
            spans=[list(span)],
            answer_revision=answer.revision,
            level=CodeLevel.PROPOSED,
        )
        db.session.add(code)
    else:
        before = code.status
        spans = [list(s) for s in code.spans]
        if list(span) not in spans:
            code.spans = sorted([*spans, list(span)])
        code.status = CodeStatus.ACCEPTED
        code.review_version += 1
    db.session.flush()
    record_decision(code, reviewer_id, before, Decision.ACCEPTED, action="code.added")
    return code


def mark_reviewed(answer: Answer, reviewer_id: int) -> int:
    """Mark the answer reviewed by this reviewer; codes they left undecided are decided as the machine proposed them
    (strong evidence accepted, possible rejected). Returns how many codes that decided; flushes."""
    page_codes = db.session.execute(
        select(Code, CodeDecision.decision)
        .outerjoin(CodeDecision, and_(CodeDecision.code_id == Code.id, CodeDecision.reviewer_id == reviewer_id))
        .where(Code.answer_id == answer.id)
    ).all()
    blind = _double_coding(answer.id, reviewer_id) is not None
    decided = 0
    for code, mine in page_codes:
        if mine is not None or (not blind and code.is_reviewed):
            continue
        decision = Decision.ACCEPTED if code.level == CodeLevel.PROPOSED else Decision.REJECTED
        if blind:
            record_decision(code, reviewer_id, CodeStatus.PROPOSED, decision, action="code.decided_blind")
        else:
            compare_and_set(code, code.review_version, CodeStatus(decision))
            record_decision(code, reviewer_id, CodeStatus.PROPOSED, decision, action="code.decided")
        decided += 1
    if not db.session.scalar(
        select(exists().where(AnswerReview.answer_id == answer.id, AnswerReview.reviewer_id == reviewer_id))
    ):
        db.session.add(AnswerReview(answer_id=answer.id, reviewer_id=reviewer_id))
        audit.record(
            "answer.reviewed", actor_type="staff", actor_id=reviewer_id, target_type="answer", target_id=answer.id
        )
    db.session.flush()
    return decided
