"""Running rounds: create one (optionally from the previous round), change its settings, close it, re-open a
submitted report with a reason; respondents' re-open requests. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update

from survey.extensions import db
from survey.models import (
    Organisation,
    Pledge,
    QuestionnaireVersion,
    ReopenRequest,
    Response,
    Round,
    utcnow,
)
from survey.models.states import ResponseStatus
from survey.services import audit, outbox, rounds
from survey.validate import ValidationError, check_email


@dataclass(frozen=True)
class RoundSettings:
    """What the lead sets on a round."""

    name: str
    opens_on: date
    deadline: date
    allow_late: bool
    contact_name: str = ""
    contact_email: str = ""
    privacy_notice: str = ""


def check_settings(settings: RoundSettings) -> dict[str, str]:
    """A message per field whose value breaks a rule."""
    problems = {}
    if settings.deadline < settings.opens_on:
        problems["deadline"] = "The deadline must be on or after the opening date"
    if settings.contact_email:
        try:
            check_email(settings.contact_email, "The contact email")
        except ValidationError as exc:
            problems["contact_email"] = str(exc)
    return problems


def versions_for(previous: Round | None, pledge_id: int) -> list[QuestionnaireVersion]:
    """The questionnaire versions a new round may use: after a previous round, the same questionnaire at the same
    or a newer version (so question keys keep their meaning)."""
    query = select(QuestionnaireVersion).where(QuestionnaireVersion.pledge_id == pledge_id)
    if previous is not None:
        query = query.where(
            QuestionnaireVersion.key == previous.questionnaire.key,
            QuestionnaireVersion.version >= previous.questionnaire.version,
        )
    return list(db.session.scalars(query.order_by(QuestionnaireVersion.key, QuestionnaireVersion.version.desc())))


def create(
    pledge: Pledge, settings: RoundSettings, *, questionnaire_id: int, previous: Round | None, actor_id: int
) -> Round:
    """A new round numbered after the last; from a previous round, the same organisations (those not archived since),
    otherwise every current organisation. Flushes."""
    allowed = {v.id: v for v in versions_for(previous, pledge.id)}
    if questionnaire_id not in allowed:
        raise ValidationError("Choose the questionnaire version of the earlier round or a newer one")
    if db.session.scalar(select(Round.id).where(Round.pledge_id == pledge.id, Round.name == settings.name)):
        raise ValidationError(f"There is already a round called “{settings.name}”")
    number = (db.session.scalar(select(func.max(Round.number)).where(Round.pledge_id == pledge.id)) or 0) + 1
    organisations = None
    if previous is not None:
        organisations = list(
            db.session.scalars(
                select(Organisation)
                .join(Response, Response.organisation_id == Organisation.id)
                .where(Response.round_id == previous.id, Organisation.archived_at.is_(None))
                .order_by(Organisation.id)
            )
        )
    rnd = rounds.create_round(
        pledge, number, settings.name, settings.opens_on, settings.deadline, questionnaire=allowed[questionnaire_id],
        previous=previous, organisations=organisations, contact_name=settings.contact_name,
        contact_email=settings.contact_email, privacy_notice=settings.privacy_notice,
    )  # fmt: skip
    rnd.allow_late = settings.allow_late
    audit.record("round.created", actor_type="user", actor_id=actor_id, target_type="round", target_id=rnd.id,
                 summary=rnd.name, previous_round=previous.id if previous else None)  # fmt: skip
    db.session.flush()
    return rnd


def change(rnd: Round, settings: RoundSettings, *, actor_id: int) -> dict[str, str]:
    """Change a round's dates and settings (audited, naming what changed). Flushes; what changed."""
    changed = {}
    for key, value in vars(settings).items():
        if getattr(rnd, key) != value:
            changed[key] = str(value) if key != "privacy_notice" else "changed"
            setattr(rnd, key, value)
    if changed:
        audit.record("round.changed", actor_type="user", actor_id=actor_id, target_type="round", target_id=rnd.id,
                     summary=rnd.name, **changed)  # fmt: skip
    db.session.flush()
    return changed


def set_closed(rnd: Round, closed: bool, *, actor_id: int) -> int:
    """Close a round (no more saves or submissions; its invitation links stop working; its unsent invitations and
    reminders are held back) or open it again (what the close held back is queued again). Audited. Flushes; how
    many messages were held back or released."""
    if (rnd.closed_at is not None) == closed:
        return 0
    rnd.closed_at = utcnow() if closed else None
    messages = outbox.hold_for_close(rnd.id) if closed else outbox.release_after_reopen(rnd.id)
    action = "round.closed" if closed else "round.reopened"
    audit.record(action, actor_type="user", actor_id=actor_id, target_type="round", target_id=rnd.id,
                 summary=rnd.name, messages=str(messages))  # fmt: skip
    db.session.flush()
    return messages


def reopen_response(response: Response, reason: str, *, actor_id: int) -> None:
    """Re-open a submitted report so its organisation can change it, with the reason (audited); any re-open
    requests for it are resolved. Flushes."""
    if response.status != ResponseStatus.SUBMITTED:
        raise ValidationError("Only a submitted report can be re-opened")
    if not reason.strip():
        raise ValidationError("Enter the reason for re-opening the report")
    response.status = ResponseStatus.REOPENED
    response.reopened_reason = reason.strip()
    db.session.execute(
        update(ReopenRequest)
        .where(ReopenRequest.response_id == response.id, ReopenRequest.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=actor_id)
    )
    audit.record("response.reopened", actor_type="user", actor_id=actor_id, target_type="response",
                 target_id=response.id, summary=reason.strip()[:200], reference=response.reference)  # fmt: skip
    db.session.flush()


def open_requests() -> list[tuple[ReopenRequest, Response, Organisation]]:
    """Respondents' requests to re-open a submitted report that the lead has not acted on, oldest first."""
    query = (
        select(ReopenRequest, Response, Organisation)
        .join(Response, ReopenRequest.response_id == Response.id)
        .join(Organisation, Response.organisation_id == Organisation.id)
        .where(ReopenRequest.resolved_at.is_(None))
        .order_by(ReopenRequest.created_at)
    )
    return [tuple(row) for row in db.session.execute(query)]  # type: ignore[misc]
