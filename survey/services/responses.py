"""A response and its answers: loading, saving with optimistic locking, pre-fill and submission."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NoReturn

from sqlalchemy import ColumnElement, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from survey.extensions import db
from survey.models import (
    Answer,
    AnswerRevision,
    Contact,
    Organisation,
    QuestionnaireVersion,
    ReopenRequest,
    Response,
    Round,
    SectionState,
    utcnow,
)
from survey.questionnaire import Question, Questionnaire, Section, expand
from survey.services import audit
from survey.services.pledges import commitment_titles

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read over the phone


# What a section form says, as plain values: {field key: (value to store, revision the person started from)}.
Values = dict[str, tuple[Any, int]]


class ResponseError(Exception):
    """An action on a response is not allowed now; str() says why in words a respondent understands."""


class ResponseLocked(ResponseError):
    """The report was submitted (or its round closed) before this write arrived; nothing of it was applied."""

    def __init__(self, response: Response, kept: tuple[int, ...] = ()) -> None:
        super().__init__("This report has been submitted or the round has closed, so it cannot be changed.")
        self.response = response
        self.kept = kept


@dataclass(frozen=True)
class SaveResult:
    """What a save did: how many answers changed, and the conflicting saves kept for the person to resolve."""

    changed: int
    conflicts: tuple[int, ...]


def new_reference() -> str:
    """A short, unambiguous reference number such as PLG-7K3M-Q9XD."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"PLG-{chars[:4]}-{chars[4:]}"


def previous_submission_id(response_id: ColumnElement[int] | int) -> ColumnElement[int]:
    """A scalar subquery: the id of the organisation's latest submitted response in an earlier round of the pledge."""
    current, current_round = aliased(Response), aliased(Round)
    return (
        select(Response.id)
        .join(Round, Response.round_id == Round.id)
        .join(current, current.organisation_id == Response.organisation_id)
        .join(current_round, current.round_id == current_round.id)
        .where(
            current.id == response_id,
            Response.status == "submitted",
            Round.pledge_id == current_round.pledge_id,
            Round.number < current_round.number,
        )
        .order_by(Round.number.desc())
        .limit(1)
        .scalar_subquery()
    )


def previous_submission(response: Response) -> Response | None:
    """The organisation's latest submitted response in an earlier round of the same pledge."""
    return db.session.scalar(select(Response).where(Response.id == previous_submission_id(response.id)))


def questionnaire_for(
    response: Response,
    *,
    first_report: bool | None = None,
    commitments: tuple[tuple[int, str], ...] | None = None,
) -> Questionnaire:
    """The questionnaire as this response sees it (first report or a later one); pass what is already loaded."""
    if first_report is None:
        first_report = previous_submission(response) is None
    rnd = response.round
    if commitments is None:
        commitments = tuple(commitment_titles(rnd.pledge_id))
    return _expanded(rnd.questionnaire_version_id, commitments, first_report)


@lru_cache(maxsize=128)
def _expanded(version_id: int, commitments: tuple[tuple[int, str], ...], first_report: bool) -> Questionnaire:
    """The expanded questionnaire, cached per process (expanding the definition dominated a page's Python time)."""
    # A stored version never changes, and the commitment titles are part of the key: editing one makes a new entry.
    definition = db.session.scalar(select(QuestionnaireVersion.definition).where(QuestionnaireVersion.id == version_id))
    return expand(definition, list(commitments), first_report=first_report)


_ANSWERS_OF_RESPONSE = select(Answer).where(Answer.response_id == bindparam("response_id"))  # built once


def answers_by_key(response_id: int) -> dict[str, Answer]:
    """The response's answers keyed by field key."""
    rows = db.session.scalars(_ANSWERS_OF_RESPONSE, {"response_id": response_id})
    return {a.field_key: a for a in rows}


def prefill_value(q: Question, organisation: Organisation, contact: Contact | None) -> Any:
    """The starting value of a question taken from the organisation or the person (`prefill:` in the definition)."""
    if not q.prefill:
        return None
    source, _, attr = q.prefill.partition(".")
    obj = organisation if source == "organisation" else contact
    return getattr(obj, attr, None) if obj is not None else None


def form_data(section: Section, answers: dict[str, Answer], defaults: dict[str, Any]) -> dict[str, Any]:
    """Turn stored answers (or defaults) into the data of a section form, revisions included."""
    data: dict[str, Any] = {}
    for q in section.questions:
        answer = answers.get(q.field_key)
        value = answer.value if answer else defaults.get(q.key)
        data[q.revision_field] = answer.revision if answer else 0
        if q.type == "number_table":
            for row, _ in q.rows:
                for col, _ in q.columns:
                    data[q.cell_field(row, col)] = ((value or {}).get(row) or {}).get(col)
        else:
            data[q.key] = value
    return data


def _base_values(pending: list[tuple[Question, Any, int, Answer | None]]) -> dict[tuple[int, int], Any]:
    """The applied values at the revisions people started from, where the three-way compare needs them: one query."""
    wanted = {
        (answer.id, base)
        for _, value, base, answer in pending
        if answer is not None and base not in (0, answer.revision) and answer.value != value
    }
    if not wanted:
        return {}
    rows = db.session.execute(
        select(AnswerRevision.answer_id, AnswerRevision.revision, AnswerRevision.value).where(
            AnswerRevision.answer_id.in_({answer_id for answer_id, _ in wanted}),
            AnswerRevision.revision.in_({revision for _, revision in wanted}),
            AnswerRevision.outcome == "applied",
        )
    )
    return {(answer_id, revision): value for answer_id, revision, value in rows if (answer_id, revision) in wanted}


def _write(answer: Answer, q: Question, value: Any, contact_id: int | None) -> None:
    answer.value = value
    answer.text = value if q.is_free_text else None
    answer.updated_by_id = contact_id
    answer.updated_at = utcnow()
    answer.tagging = "none"
    db.session.flush()  # bumps the revision; raises StaleDataError when someone saved in between
    db.session.add(AnswerRevision(answer_id=answer.id, revision=answer.revision, value=value, contact_id=contact_id))


def _save_one(
    response: Response,
    q: Question,
    value: Any,
    base: int,
    answer: Answer | None,
    contact_id: int | None,
    base_values: dict[tuple[int, int], Any],
) -> tuple[bool, int | None]:
    """Apply one answer; return (changed, id of the conflicting save kept for later or None)."""
    if answer is None:
        if value is None:
            return False, None
        answer = _new_answer(response, q)
        _write(answer, q, value, contact_id)
        return True, None
    if answer.value == value:
        return False, None
    if base != answer.revision and value != base_values.get((answer.id, base)):
        # One open conflict per answer and person: a newer attempt supersedes theirs (kept, no longer asked about).
        table = AnswerRevision.__table__
        db.session.execute(
            update(table)
            .where(table.c.answer_id == answer.id, table.c.contact_id == contact_id, table.c.outcome == "conflict")
            .values(outcome="superseded")
        )
        kept = AnswerRevision(
            answer_id=answer.id,
            revision=answer.revision,
            value=value,
            contact_id=contact_id,
            outcome="conflict",
            base_revision=base,
        )
        db.session.add(kept)
        db.session.flush()
        return False, kept.id
    if base != answer.revision:
        return False, None  # the person did not change this answer; a colleague's newer save stands
    _write(answer, q, value, contact_id)
    return True, None


def _audit(action: str, response: Response, contact_id: int | None, **details: Any) -> None:
    """Record what a respondent did to their report."""
    audit.record(
        action, actor_type="contact", actor_id=contact_id, target_type="response", target_id=response.id, **details
    )


def _new_answer(response: Response, q: Question) -> Answer:
    """A new, empty answer row for a question of this response (added to the session)."""
    answer = Answer(
        response_id=response.id,
        round_id=response.round_id,
        field_key=q.field_key,
        question_key=q.key,
        commitment_number=q.commitment,
    )
    db.session.add(answer)
    return answer


def claim_for_writing(response: Response) -> None:
    """Refuse any write to a submitted report or one whose round has closed: every write path starts here.

    An UPDATE naming the state it expects takes the row's write lock, so a submission a colleague committed a
    moment ago is seen here (and one still in flight waits for this transaction), not the copy this request read.
    """
    table = Response.__table__
    open_round = (
        select(Round.id)
        .where(Round.id == table.c.round_id, Round.closed_at.is_(None))
        .where(or_(Round.allow_late, Round.deadline >= date.today()))  # late reports only where the lead allows them
        .exists()
    )
    now = utcnow()
    claimed = db.session.execute(
        update(table)
        .where(table.c.id == response.id, table.c.status != "submitted", open_round)
        .values(last_activity_at=now)
    )
    if claimed.rowcount == 0:
        db.session.refresh(response)  # who submitted it, and when
        raise ResponseLocked(response)
    set_committed_value(response, "last_activity_at", now)  # the claim records the activity: no second UPDATE


def mark_section(response: Response, section_key: str, status: str, contact_id: int | None = None) -> None:
    """Set a section's status on the task list and record activity."""
    _touch(response, section_key, status, contact_id)
    response.last_activity_at = utcnow()


@lru_cache(maxsize=2)
def _section_upsert(dialect: Any) -> Any:
    """An INSERT of one section state that updates the row already there: one atomic statement per section."""
    table = SectionState.__table__
    stmt = dialect.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=["response_id", "section_key"],
        set_={name: stmt.excluded[name] for name in ("status", "updated_at", "updated_by_id")},
    )


def _touch(response: Response, section_key: str, status: str, contact_id: int | None = None) -> None:
    now = utcnow()
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(
        _section_upsert(dialect),
        {
            "response_id": response.id,
            "section_key": section_key,
            "status": status,
            "updated_at": now,
            "updated_by_id": contact_id,
        },
    )
    # Activity is recorded by `claim_for_writing` (or the caller that writes without one).
    if response.status == "not_started":
        response.status = "in_progress"
        response.started_at = now


def save_section(
    response: Response,
    section: Section,
    values: Values,
    contact_id: int | None,
    *,
    completing: bool,
    answers: dict[str, Answer] | None = None,
) -> SaveResult:
    """Save a section's answers, keeping any save based on an older revision as a conflict; flushes.

    `answers` may pass the response's answers already loaded in this transaction (from `answers_by_key`). A
    colleague's save landing between our read and write is detected at the flush: the transaction is rolled back
    and the save compared again (at most three times), so the caller commits what this returns.
    """
    for attempt in range(3):
        try:
            claim_for_writing(response)
            if answers is None:
                answers = answers_by_key(response.id)
            result = _save_section_once(response, section, values, contact_id, answers, completing=completing)
            db.session.flush()
            return result
        except ResponseLocked:
            refuse_late_save(response, section, values, contact_id)
        except (StaleDataError, IntegrityError):
            # A colleague saved the same answer between our read and write: re-read and compare again.
            db.session.rollback()
            answers = None  # re-read after the rollback
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _save_section_once(
    response: Response,
    section: Section,
    values: Values,
    contact_id: int | None,
    answers: dict[str, Answer],
    *,
    completing: bool,
) -> SaveResult:
    pending = [(q, *values[q.field_key], answers.get(q.field_key)) for q in section.questions if q.field_key in values]
    base_values = _base_values(pending)
    changed, conflicts = 0, []
    for q, value, base, answer in pending:
        did_change, conflict = _save_one(response, q, value, base, answer, contact_id, base_values)
        changed += did_change
        if conflict is not None:
            conflicts.append(conflict)
    if changed or not conflicts:
        _touch(response, section.key, "completed" if completing and not conflicts else "in_progress", contact_id)
    # A save that only kept conflicts changed nothing in the report: the section keeps its status (a completed
    # section stays completed while the person compares the versions, and after).
    if changed or conflicts:
        _audit(
            "answers.saved",
            response,
            contact_id,
            section=section.key,
            changed=changed,
            conflicts=len(conflicts),
        )
    return SaveResult(changed, tuple(conflicts))


def keep_late_save(response: Response, section: Section, values: Values, contact_id: int | None) -> tuple[int, ...]:
    """Keep a save that arrived after submission as `late` revisions (never applied, never lost); flushes.

    Returns the ids of the kept revisions: the page that says the report was submitted shows them.
    """
    answers = answers_by_key(response.id)
    kept: list[AnswerRevision] = []
    for q in section.questions:
        if q.field_key not in values:
            continue
        value, _ = values[q.field_key]
        answer = answers.get(q.field_key)
        if value is None or (answer is not None and answer.value == value):
            continue
        if answer is None:
            # An empty answer row to hang the revision on; an answer of None reads as "Not answered".
            answer = _new_answer(response, q)
            db.session.flush()
        kept.append(
            AnswerRevision(
                answer_id=answer.id, revision=answer.revision, value=value, contact_id=contact_id, outcome="late"
            )
        )
    db.session.add_all(kept)
    if kept:
        _audit(
            "answers.kept_after_submission",
            response,
            contact_id,
            section=section.key,
            kept=len(kept),
        )
    db.session.flush()
    return tuple(k.id for k in kept)


def refuse_late_save(response: Response, section: Section, values: Values, contact_id: int | None) -> NoReturn:
    """Keep a save to a locked report as late revisions, then raise ResponseLocked naming them."""
    raise ResponseLocked(response, keep_late_save(response, section, values, contact_id))


def late_saves(revision_ids: tuple[int, ...]) -> list[tuple[AnswerRevision, Answer]]:
    """Kept late revisions with their answers, in order."""
    if not revision_ids:
        return []
    rows = db.session.execute(
        select(AnswerRevision, Answer)
        .join(Answer, AnswerRevision.answer_id == Answer.id)
        .where(AnswerRevision.id.in_(revision_ids), AnswerRevision.outcome == "late")
        .order_by(AnswerRevision.id)
    )
    return [(rev, ans) for rev, ans in rows]


def open_conflicts(response_id: int, contact_id: int) -> list[tuple[AnswerRevision, Answer]]:
    """The person's conflicting saves on this response, still waiting for a decision."""
    rows = db.session.execute(
        select(AnswerRevision, Answer)
        .join(Answer, AnswerRevision.answer_id == Answer.id)
        .where(
            Answer.response_id == response_id,
            AnswerRevision.contact_id == contact_id,
            AnswerRevision.outcome == "conflict",
        )
        .order_by(AnswerRevision.id)
    )
    return [(rev, ans) for rev, ans in rows]


def resolve_conflict(
    response: Response, section: Section, q: Question, revision_id: int, contact_id: int, value: Any, seen_revision: int
) -> bool:
    """Apply the person's chosen or merged value for a conflict; False when the answer moved on again."""
    claim_for_writing(response)
    kept = db.session.get(AnswerRevision, revision_id)
    if kept is None or kept.outcome != "conflict" or kept.contact_id != contact_id:
        raise ResponseError("That conflict has already been resolved.")
    answer = kept.answer
    if answer.response_id != response.id:
        raise ResponseError("That conflict belongs to another report.")
    if answer.revision != seen_revision:
        return False
    kept.outcome = "resolved"
    if value != answer.value:
        replaced_contact_id = answer.updated_by_id
        _write(answer, q, value, contact_id)
        if replaced_contact_id is not None and replaced_contact_id != contact_id:
            # The colleague whose applied answer this replaces is told on their next visit to the task list.
            _audit(
                "answer.replaced",
                response,
                contact_id,
                answer_id=answer.id,
                field_key=answer.field_key,
                replaced_contact_id=replaced_contact_id,
            )
    # The section keeps its status: a save that only kept conflicts did not change it, so a completed section
    # stays completed while the person compares, and after (however many of its answers they compare).
    db.session.flush()
    return True


@dataclass(frozen=True)
class Replacement:
    """A colleague replaced this person's applied answer while resolving a conflict."""

    event_id: int
    field_key: str
    by: str
    at: datetime


def unseen_replacements(response_id: int, contact_id: int) -> list[Replacement]:
    """Answers of this person's that a colleague replaced through a conflict, not yet shown to them."""
    events = audit.events("answer.replaced", target_type="response", target_id=response_id)
    mine = [e for e in events if e.details.get("replaced_contact_id") == contact_id]
    if not mine:
        return []
    seen = {
        e.details.get("event_id")
        for e in audit.events("answer.replaced.seen", target_type="response", target_id=response_id)
        if e.actor_id == contact_id
    }
    mine = [e for e in mine if e.id not in seen]
    if not mine:
        return []
    rows = db.session.execute(select(Contact.id, Contact.name).where(Contact.id.in_({e.actor_id for e in mine})))
    names = {contact_id: name for contact_id, name in rows}
    return [Replacement(e.id, e.details.get("field_key", ""), names.get(e.actor_id, "A colleague"), e.at) for e in mine]


def mark_replacements_seen(response_id: int, contact_id: int, replacements: list[Replacement]) -> None:
    """Record that these notices were shown, so each is shown once; the caller commits."""
    for r in replacements:
        audit.record(
            "answer.replaced.seen",
            actor_type="contact",
            actor_id=contact_id,
            target_type="response",
            target_id=response_id,
            event_id=r.event_id,
        )


@dataclass(frozen=True)
class LastSave:
    """Who last saved an answer of a section, and when."""

    name: str
    at: datetime


def last_saves(questionnaire: Questionnaire, response_id: int) -> dict[str, LastSave]:
    """Per section key, the latest applied save of any of its answers and who made it (one query)."""
    rows = db.session.execute(
        select(Answer.field_key, Answer.updated_at, Contact.name)
        .join(Contact, Answer.updated_by_id == Contact.id)
        .where(Answer.response_id == response_id)
    )
    by_field = {field_key: (at, name) for field_key, at, name in rows}
    result: dict[str, LastSave] = {}
    for section in questionnaire.sections:
        saves = [by_field[q.field_key] for q in section.questions if q.field_key in by_field]
        if saves:
            at, name = max(saves, key=lambda s: s[0])
            result[section.key] = LastSave(name, at)
    return result


def answer_history(response_id: int, field_key: str) -> tuple[Answer, list[AnswerRevision]] | None:
    """An answer of this response and every revision of it, oldest first, with who saved each; None if absent."""
    answer = db.session.scalar(select(Answer).where(Answer.response_id == response_id, Answer.field_key == field_key))
    if answer is None:
        return None
    revisions = db.session.scalars(
        select(AnswerRevision)
        .where(AnswerRevision.answer_id == answer.id)
        .options(selectinload(AnswerRevision.contact))
        .order_by(AnswerRevision.id)
    )
    return answer, list(revisions)


REOPEN_REASON_LIMIT = 2000


def open_reopen_request(response_id: int) -> ReopenRequest | None:
    """The response's request to re-open that the pledge team has not dealt with yet, if any."""
    return db.session.scalar(
        select(ReopenRequest)
        .where(ReopenRequest.response_id == response_id, ReopenRequest.resolved_at.is_(None))
        .order_by(ReopenRequest.id.desc())
        .limit(1)
    )


def request_reopen(response: Response, contact_id: int, reason: str) -> ReopenRequest:
    """Ask the pledge team to re-open a submitted report: one open request per report at a time; flushes."""
    # Lock the response row so two colleagues asking at the same moment make one request, not two.
    db.session.execute(select(Response.id).where(Response.id == response.id).with_for_update())
    db.session.refresh(response)
    if response.status != "submitted":
        raise ResponseError("Only a submitted report can be re-opened.")
    if open_reopen_request(response.id) is not None:
        raise ResponseError("A request to re-open this report has already been sent.")
    request = ReopenRequest(response_id=response.id, contact_id=contact_id, reason=reason)
    db.session.add(request)
    db.session.flush()
    _audit(
        "response.reopen_requested",
        response,
        contact_id,
        request_id=request.id,
    )
    db.session.flush()
    return request


def section_states(response_id: int) -> dict[str, SectionState]:
    """The response's section state rows keyed by section."""
    rows = db.session.scalars(select(SectionState).where(SectionState.response_id == response_id))
    return {row.section_key: row for row in rows}


def section_statuses(questionnaire: Questionnaire, response: Response) -> dict[str, str]:
    """Each section's status for the task list."""
    states = section_states(response.id)
    return {s.key: states[s.key].status if s.key in states else "not_started" for s in questionnaire.sections}


def incomplete_sections(questionnaire: Questionnaire, response: Response) -> list[Section]:
    """Sections not yet completed, in order (submission needs none)."""
    states = section_statuses(questionnaire, response)
    return [s for s in questionnaire.sections if states[s.key] != "completed"]


def prefill_from_previous(response: Response, section: Section, contact_id: int | None) -> int:
    """Start a section from the organisation's previous submitted answers; return how many were copied."""
    claim_for_writing(response)
    previous = previous_submission(response)
    if previous is None:
        raise ResponseError("There is no earlier submitted report to start from.")
    old = answers_by_key(previous.id)
    current = answers_by_key(response.id)
    copied = 0
    for q in section.questions:
        source = old.get(q.field_key)
        if q.readonly or source is None or source.value is None or q.field_key in current:
            continue
        answer = _new_answer(response, q)
        _write(answer, q, source.value, contact_id)
        copied += 1
    _touch(response, section.key, "in_progress", contact_id)
    _audit(
        "answers.prefilled",
        response,
        contact_id,
        section=section.key,
        copied=copied,
        from_response=previous.id,
    )
    db.session.flush()
    return copied


def write_answer(response: Response, q: Question, value: Any, contact_id: int | None) -> Answer:
    """Create or overwrite an answer without conflict checks (the demo and imports); the caller commits."""
    answer = db.session.scalar(select(Answer).where(Answer.response_id == response.id, Answer.field_key == q.field_key))
    if answer is None:
        answer = _new_answer(response, q)
    _write(answer, q, value, contact_id)
    return answer


def complete_sections(response: Response, questionnaire: Questionnaire) -> None:
    """Mark every section completed (answers written by `write_answer`)."""
    for section in questionnaire.sections:
        _touch(response, section.key, "completed")
    response.last_activity_at = utcnow()


def submit(response: Response, questionnaire: Questionnaire, contact_id: int, declaration_name: str) -> None:
    """Submit a complete response: lock it, record the declaration, mark free text for tagging; flushes.

    The caller commits, then queues tagging (`tagging.after_submission`): a job must never see an uncommitted
    submission."""
    claim_for_writing(response)
    missing = incomplete_sections(questionnaire, response)
    if missing:
        raise ResponseError("Complete every section before you submit: " + ", ".join(s.title for s in missing))
    now = utcnow()
    response.status = "submitted"
    response.submitted_at = now
    response.last_activity_at = now
    response.submitted_by_id = contact_id
    response.declaration_name = declaration_name
    for answer in response.answers:
        if answer.text:
            answer.tagging = "pending"
    _audit(
        "response.submitted",
        response,
        contact_id,
        reference=response.reference,
    )
    db.session.flush()
