"""The outbox: every e-mail to a respondent is first a row here, keyed by (round, contact, kind, sequence), and is
sent by the "mail" job kind.

Writing a message twice is a no-op (the key is unique), so a double click, two leads at once or a retried job
write it once. Sending claims each message in a transaction of its own before it talks to the SMTP server and
records the outcome in another: a retry never claims a message again, and a crash between the server's "250" and
the record leaves the message `sending` (shown as not confirmed) rather than sent twice. A passing failure (server
away, 4xx, connection lost before the data) puts the message back in the queue and fails the batch, so RQ retries
it; a refusal (5xx) is final and shown.

Links are not stored: a message holds a marker where the link goes and a salt, and the token is
HMAC(SECRET_KEY, salt), computed again when the message is sent (the invitation stores only its SHA-256).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, render_template
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from survey.extensions import db
from survey.models import (
    Contact,
    Invitation,
    MailKind,
    MailStatus,
    Organisation,
    OutboxMessage,
    ReminderPolicy,
    Response,
    Round,
    utcnow,
)
from survey.models.states import ResponseStatus
from survey.services import access, audit, receipt_links

logger = logging.getLogger(__name__)

LINK_MARKER = "[[link]]"
DEFAULT_POLICY = {"days_before": [], "max_per_contact": 3, "min_gap_days": 3}
# A respondent asking for their link again: at most this many messages per address and round a day, and none
# within LINK_PAUSE of the last (the answer on the page is the same either way).
LINK_REQUESTS_PER_DAY = 3
LINK_PAUSE = timedelta(minutes=10)


class MailError(ValueError):
    """A mail action cannot be done; the message says why, for the lead."""


def sender() -> str:
    """The From address of every message (MAIL_SENDER)."""
    return current_app.config.get("MAIL_SENDER") or "pledge@localhost"


def link_token(salt: str) -> str:
    """The invitation token a salt stands for: HMAC(SECRET_KEY, salt), 256 bits, URL-safe."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"pledge-link:" + salt.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def message_key(round_id: int | None, contact_id: int | None, kind: MailKind, sequence: int) -> str:
    """The idempotency key of a message: its round, contact, kind and sequence."""
    return f"{round_id or '-'}:{contact_id or '-'}:{kind.value}:{sequence}"


@dataclass(frozen=True)
class Link:
    """An invitation whose token the outbox can derive again."""

    invitation_id: int
    salt: str


def _write(
    kind: MailKind,
    sequence: int,
    contact: Contact,
    *,
    round_id: int | None,
    response_id: int | None,
    context: dict[str, Any],
    link: Link | None = None,
) -> OutboxMessage | None:
    """Add a message unless one with its key is there; flushes (in a savepoint, so a concurrent twin is a no-op)."""
    key = message_key(round_id, contact.id, kind, sequence)
    domain = sender().rpartition("@")[2] or "localhost"
    subject, _, body = render_template(f"mail/{kind.value}.txt", contact=contact, **context).partition("\n\n")
    message = OutboxMessage(
        key=key,
        round_id=round_id,
        contact_id=contact.id,
        response_id=response_id,
        invitation_id=link.invitation_id if link else None,
        link_salt=link.salt if link else None,
        kind=kind,
        sequence=sequence,
        to_address=contact.email,
        subject=subject.removeprefix("Subject: ").strip(),
        body=body.strip() + "\n",
        message_id=f"<{uuid.uuid4().hex}.{kind.value}@{domain}>",
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return None  # written already: by an earlier click, another lead, or a retry
    return message


def _new_link(response: Response, contact: Contact) -> Link:
    """A new invitation for the contact whose token the outbox can derive; flushes."""
    salt = secrets.token_urlsafe(24)
    days = current_app.config.get("INVITATION_DAYS") or 60
    token = access.create_invitation(response, contact, days=days, token=link_token(salt))
    invitation_id = db.session.scalar(select(Invitation.id).where(Invitation.token_hash == access.token_hash(token)))
    assert invitation_id is not None
    return Link(invitation_id, salt)


def live_links(round_id: int, contact_id: int | None = None) -> dict[tuple[int, int], Link]:
    """The newest usable link the outbox knows, per (response, contact) of a round."""
    query = (
        select(Invitation.response_id, Invitation.contact_id, OutboxMessage.invitation_id, OutboxMessage.link_salt)
        .join(Invitation, OutboxMessage.invitation_id == Invitation.id)
        .where(OutboxMessage.round_id == round_id, OutboxMessage.link_salt.is_not(None))
        .where(Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(OutboxMessage.id)
    )
    if contact_id is not None:
        query = query.where(Invitation.contact_id == contact_id)
    return {(r, c): Link(i, s) for r, c, i, s in db.session.execute(query)}


def _context(rnd: Round, response: Response, organisation: Organisation) -> dict[str, Any]:
    """What every message about a round's report says."""
    return {"round": rnd, "response": response, "organisation": organisation, "link": LINK_MARKER}


def _recipients(round_id: int, *, unsubmitted: bool = False) -> list[tuple[Response, Organisation, Contact]]:
    """Every current contact of every expected organisation of the round (only of those not submitted)."""
    query = (
        select(Response, Organisation, Contact)
        .join(Organisation, Response.organisation_id == Organisation.id)
        .join(Contact, Contact.organisation_id == Organisation.id)
        .where(Response.round_id == round_id, Organisation.archived_at.is_(None), Contact.archived_at.is_(None))
        .order_by(Organisation.name, Contact.id)
    )
    if unsubmitted:
        query = query.where(Response.status != ResponseStatus.SUBMITTED)
    return [tuple(row) for row in db.session.execute(query)]  # type: ignore[misc]


def _open_round(round_id: int) -> Round:
    """The round, or MailError when it is closed or missing."""
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        raise MailError("There is no such round.")
    if rnd.closed_at is not None:
        raise MailError(f"{rnd.name} is closed: its links no longer work, so nothing was sent.")
    return rnd


def invite_round(round_id: int, *, actor_id: int | None) -> int:
    """Invite every contact of every expected organisation not invited yet; flushes; how many messages."""
    rnd = _open_round(round_id)
    invited = set(
        db.session.scalars(
            select(OutboxMessage.contact_id).where(
                OutboxMessage.round_id == round_id, OutboxMessage.kind == MailKind.INVITATION
            )
        )
    )
    written = 0
    for response, organisation, contact in _recipients(round_id):
        if contact.id in invited:
            continue
        link = _new_link(response, contact)
        context = _context(rnd, response, organisation)
        written += (
            _write(
                MailKind.INVITATION, 1, contact, round_id=rnd.id, response_id=response.id, context=context, link=link
            )
            is not None
        )
    audit.record(
        "mail.invited", actor_type="user", actor_id=actor_id, target_type="round", target_id=rnd.id, count=written
    )
    return written


def _next_sequence(round_id: int, contact_id: int, kind: MailKind) -> int:
    """One more than the highest sequence of this kind of message to this contact in this round."""
    query = select(func.max(OutboxMessage.sequence)).where(
        OutboxMessage.round_id == round_id, OutboxMessage.contact_id == contact_id, OutboxMessage.kind == kind
    )
    return (db.session.scalar(query) or 0) + 1


def _recipient(round_id: int, contact_id: int) -> tuple[Response, Organisation, Contact]:
    """One contact of the round as a recipient, or MailError."""
    for row in _recipients(round_id):
        if row[2].id == contact_id:
            return row
    raise MailError("That contact is not a current contact of an organisation in this round.")


def resend(round_id: int, contact_id: int, *, actor_id: int | None) -> OutboxMessage:
    """Send a contact their invitation again (the same link while it works, otherwise a new one); flushes."""
    rnd = _open_round(round_id)
    response, organisation, contact = _recipient(round_id, contact_id)
    link = live_links(round_id, contact_id).get((response.id, contact_id)) or _new_link(response, contact)
    sequence = _next_sequence(round_id, contact_id, MailKind.INVITATION)
    message = _write(
        MailKind.INVITATION,
        sequence,
        contact,
        round_id=rnd.id,
        response_id=response.id,
        context=_context(rnd, response, organisation),
        link=link,
    )
    if message is None:
        raise MailError("That invitation is being resent already.")
    audit.record("mail.resent", actor_type="user", actor_id=actor_id, target_type="contact", target_id=contact_id)
    return message


def revoke(round_id: int, contact_id: int, *, actor_id: int | None) -> int:
    """Revoke a contact's links to the round (and their sessions), and cancel their unsent messages; flushes;
    how many links."""
    invitations = list(
        db.session.scalars(
            select(Invitation)
            .join(Response, Invitation.response_id == Response.id)
            .where(Response.round_id == round_id, Invitation.contact_id == contact_id, Invitation.revoked_at.is_(None))
        )
    )
    for invitation in invitations:
        access.revoke_invitation(invitation, actor_type="user", actor_id=actor_id)
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.round_id == round_id, OutboxMessage.contact_id == contact_id)
        .where(OutboxMessage.status == MailStatus.QUEUED, OutboxMessage.link_salt.is_not(None))
        .values(status=MailStatus.CANCELLED, error="The link was revoked before this message was sent.")
    )
    return len(invitations)


CLOSED_REASON = "The round closed before this message was sent."


def hold_for_close(round_id: int) -> int:
    """A round is closing: cancel its unsent invitations, reminders and new links, saying why (receipts of reports
    submitted before the close still go). Flushes; how many."""
    done = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.round_id == round_id, OutboxMessage.status == MailStatus.QUEUED)
        .where(OutboxMessage.kind != MailKind.RECEIPT)
        .values(status=MailStatus.CANCELLED, error=CLOSED_REASON)
    )
    return done.rowcount or 0


def release_after_reopen(round_id: int) -> int:
    """The round is open again: queue again what its close cancelled (not what was cancelled for another reason,
    such as a revoked link). Each message keeps its key, so none can go twice. Flushes; how many."""
    done = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.round_id == round_id, OutboxMessage.status == MailStatus.CANCELLED)
        .where(OutboxMessage.error == CLOSED_REASON)
        .values(status=MailStatus.QUEUED, error=None)
    )
    return done.rowcount or 0


def policy(round_id: int) -> ReminderPolicy:
    """The round's reminder policy (the defaults, unsaved, when the lead has set none)."""
    return db.session.get(ReminderPolicy, round_id) or ReminderPolicy(round_id=round_id, **DEFAULT_POLICY)


def set_policy(round_id: int, days_before: Sequence[int], max_per_contact: int, min_gap_days: int) -> ReminderPolicy:
    """Save the round's reminder policy; flushes."""
    saved = db.session.get(ReminderPolicy, round_id) or ReminderPolicy(round_id=round_id)
    saved.days_before = sorted(set(days_before), reverse=True)
    saved.max_per_contact = max_per_contact
    saved.min_gap_days = min_gap_days
    saved.updated_at = utcnow()
    db.session.add(saved)
    db.session.flush()
    return saved


def remind_unsubmitted(round_id: int, *, actor_type: str, actor_id: int | None, now: datetime | None = None) -> int:
    """Remind every invited contact whose organisation has not submitted, within the round's cap per contact and
    minimum gap; never a contact of an organisation that has submitted, nor one whose links were revoked (an
    expired link is replaced by a new one). Flushes; how many reminders."""
    rnd = _open_round(round_id)
    now = now or utcnow()
    rules = policy(round_id)
    stats = {
        contact_id: (count, last)
        for contact_id, count, last in db.session.execute(
            select(OutboxMessage.contact_id, func.count(), func.max(OutboxMessage.created_at))
            .where(OutboxMessage.round_id == round_id, OutboxMessage.kind == MailKind.REMINDER)
            .group_by(OutboxMessage.contact_id)
        )
    }
    invited: set[tuple[int, int]] = set(
        db.session.execute(  # type: ignore[arg-type]
            select(Invitation.response_id, Invitation.contact_id)
            .join(Response, Invitation.response_id == Response.id)
            .where(Response.round_id == round_id, Invitation.revoked_at.is_(None))  # a revoked contact: never
        )
    )
    links = live_links(round_id)
    written = 0
    for response, organisation, contact in _recipients(round_id, unsubmitted=True):
        count, last = stats.get(contact.id, (0, None))
        if (response.id, contact.id) not in invited or count >= rules.max_per_contact:
            continue
        if last is not None and now - last < timedelta(days=rules.min_gap_days):
            continue
        link = links.get((response.id, contact.id)) or _new_link(response, contact)
        context = _context(rnd, response, organisation)
        written += (
            _write(
                MailKind.REMINDER,
                count + 1,
                contact,
                round_id=rnd.id,
                response_id=response.id,
                context=context,
                link=link,
            )
            is not None
        )
    audit.record(
        "mail.reminded", actor_type=actor_type, actor_id=actor_id, target_type="round", target_id=rnd.id, count=written
    )
    return written


def write_receipts(response: Response) -> list[OutboxMessage]:
    """A submitted report's receipt to each current contact of its organisation (the submitter first); flushes.
    The sequence is the submission's time, so submitting again after a re-open sends a new receipt."""
    assert response.submitted_at is not None
    sequence = int(response.submitted_at.timestamp())
    contacts = sorted(
        (c for c in response.organisation.contacts if c.archived_at is None),
        key=lambda c: (c.id != response.submitted_by_id, c.id),
    )
    context = {**_context(response.round, response, response.organisation), "max_age_days": receipt_links.MAX_AGE_DAYS}
    written = [
        _write(MailKind.RECEIPT, sequence, c, round_id=response.round_id, response_id=response.id, context=context)
        for c in contacts
    ]
    return [m for m in written if m is not None]


def receipts(response: Response) -> list[OutboxMessage]:
    """The receipts of the report's latest submission, the submitter's first."""
    if response.submitted_at is None:
        return []
    query = select(OutboxMessage).where(
        OutboxMessage.response_id == response.id,
        OutboxMessage.kind == MailKind.RECEIPT,
        OutboxMessage.sequence == int(response.submitted_at.timestamp()),
    )
    found = list(db.session.scalars(query.order_by(OutboxMessage.id)))
    return sorted(found, key=lambda m: m.contact_id != response.submitted_by_id)


def request_links(email: str, *, now: datetime | None = None) -> list[int]:
    """Send a new link to every current contact with this address, for each open round's report; rate-limited per
    address. Flushes; returns the rounds written to (the page says the same thing whatever it is)."""
    now = now or utcnow()
    found = db.session.execute(
        select(Response, Organisation, Contact, Round)
        .join(Organisation, Response.organisation_id == Organisation.id)
        .join(Contact, Contact.organisation_id == Organisation.id)
        .join(Round, Response.round_id == Round.id)
        .where(func.lower(Contact.email) == email.strip().lower(), Contact.archived_at.is_(None))
        .where(Organisation.archived_at.is_(None), Round.closed_at.is_(None))
    ).all()
    rounds = []
    for response, organisation, contact, rnd in found:
        recent = list(
            db.session.scalars(
                select(OutboxMessage.created_at).where(
                    OutboxMessage.round_id == rnd.id,
                    OutboxMessage.contact_id == contact.id,
                    OutboxMessage.kind == MailKind.LINK,
                    OutboxMessage.created_at > now - timedelta(days=1),
                )
            )
        )
        if len(recent) >= LINK_REQUESTS_PER_DAY or any(now - at < LINK_PAUSE for at in recent):
            continue
        link = live_links(rnd.id, contact.id).get((response.id, contact.id)) or _new_link(response, contact)
        sequence = _next_sequence(rnd.id, contact.id, MailKind.LINK)
        context = _context(rnd, response, organisation)
        if _write(
            MailKind.LINK, sequence, contact, round_id=rnd.id, response_id=response.id, context=context, link=link
        ):
            rounds.append(rnd.id)
    return rounds


def record_bounce(message_id: str, reason: str) -> OutboxMessage | None:
    """Mark the message with this Message-ID bounced (a delivery status notification came back); flushes."""
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == message_id.strip()))
    if message is not None:
        message.status = MailStatus.BOUNCED
        message.error = reason[:2000] or "Returned undeliverable."
    return message


# What the round's mail page shows.

STATUS_LABELS = {
    MailStatus.QUEUED: "Waiting to be sent",
    MailStatus.SENDING: "Sending (not confirmed: it may have been delivered; it will not be resent by itself)",
    MailStatus.SENT: "Sent",
    MailStatus.REFUSED: "Refused by the mail server",
    MailStatus.FAILED: "Could not be sent",
    MailStatus.BOUNCED: "Bounced",
    MailStatus.CANCELLED: "Cancelled",
    MailStatus.LOGGED: "Not sent (no mail server set): logged",
}
PROBLEMS = (MailStatus.REFUSED, MailStatus.FAILED, MailStatus.BOUNCED)


def status_counts(round_id: int) -> dict[MailStatus, int]:
    """How many of the round's messages are in each state (every state named)."""
    query = select(OutboxMessage.status, func.count()).where(OutboxMessage.round_id == round_id)
    counts = dict.fromkeys(MailStatus, 0)
    counts.update({MailStatus(s): n for s, n in db.session.execute(query.group_by(OutboxMessage.status))})
    return counts


@dataclass(frozen=True)
class Listed:
    """A page of the round's messages with their organisations, and how many match in all."""

    rows: list[tuple[OutboxMessage, str | None]]
    total: int


def messages(round_id: int, *, status: str | None, page: int, per_page: int = 50) -> Listed:
    """A page of the round's messages, newest first, in one state (problems: refused, failed or bounced) or all."""
    where = [OutboxMessage.round_id == round_id]
    if status == "problems":
        where.append(OutboxMessage.status.in_(PROBLEMS))
    elif status in set(MailStatus):
        where.append(OutboxMessage.status == status)
    total = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(*where)) or 0
    query = (
        select(OutboxMessage, Organisation.name)
        .outerjoin(Response, OutboxMessage.response_id == Response.id)
        .outerjoin(Organisation, Response.organisation_id == Organisation.id)
        .where(*where)
        .order_by(OutboxMessage.id.desc())
        .limit(per_page)
        .offset(max(page - 1, 0) * per_page)
    )
    return Listed([(m, name) for m, name in db.session.execute(query)], total)
