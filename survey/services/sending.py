"""Sending the outbox: the "mail" job kind. Each message is claimed (`queued` → `sending`) in a transaction of its
own before the SMTP conversation, and its outcome recorded with the next claim (or alone, at the end), so a retried
or duplicated batch never sends a message twice; see `survey/services/outbox.py` for how messages are written."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from survey import mailer
from survey.extensions import db
from survey.models import Job, MailStatus, OutboxMessage, utcnow
from survey.services import jobs as lifecycle
from survey.services import receipt_links
from survey.services.jobs import JobKind
from survey.services.outbox import LINK_MARKER, link_token, sender

logger = logging.getLogger(__name__)

BATCH_SIZE = 50


@dataclass(frozen=True)
class Claimed:
    """A message claimed for sending: what the SMTP conversation needs."""

    id: int
    to_address: str
    subject: str
    body: str
    link_salt: str | None
    message_id: str | None
    key: str
    response_id: int | None
    sequence: int


def _claim(message_id: int, settle: tuple[int, mailer.Delivery] | None = None) -> Claimed | None:
    """Mark a queued message `sending` in a transaction of its own (recording the previous message's outcome in
    the same one: a commit per message); None when it is not queued (sent, claimed by another batch, cancelled)."""
    table = OutboxMessage.__table__
    with db.engine.begin() as conn:
        if settle is not None:
            _record(conn, *settle)
        row = conn.execute(
            update(table)
            .where(table.c.id == message_id, table.c.status == MailStatus.QUEUED)
            .values(status=MailStatus.SENDING, attempts=table.c.attempts + 1)
            .returning(
                table.c.id,
                table.c.to_address,
                table.c.subject,
                table.c.body,
                table.c.link_salt,
                table.c.message_id,
                table.c.key,
                table.c.response_id,
                table.c.sequence,
            )
        ).first()
    if row is None:
        return None
    return Claimed(*row)


SETTLED = {
    mailer.Outcome.SENT: MailStatus.SENT,
    mailer.Outcome.REFUSED: MailStatus.REFUSED,
    mailer.Outcome.RETRY: MailStatus.QUEUED,  # nothing was delivered: the next attempt takes it again
    mailer.Outcome.UNKNOWN: MailStatus.SENDING,  # may have been delivered: never resent by itself
}


def _record(conn: Any, message_id: int, delivery: mailer.Delivery, status: MailStatus | None = None) -> None:
    """Write a claimed message's outcome on a connection whose transaction the caller commits."""
    table = OutboxMessage.__table__
    status = status or SETTLED[delivery.outcome]
    values: dict[str, Any] = {"status": status, "error": None if status == MailStatus.SENT else delivery.detail}
    if status in (MailStatus.SENT, MailStatus.LOGGED):
        values["sent_at"] = utcnow()
    conn.execute(update(table).where(table.c.id == message_id).values(**values))


def _settle(message_id: int, delivery: mailer.Delivery, status: MailStatus | None = None) -> None:
    """Record a claimed message's outcome in a transaction of its own."""
    with db.engine.begin() as conn:
        _record(conn, message_id, delivery, status)


def email_of(message: Claimed) -> EmailMessage:
    """The e-mail for a claimed message, its link filled in."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = formataddr(("Pledge progress reporting", sender()))
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id or f"<{message.id}@localhost>"
    email["X-Pledge-Outbox"] = message.key
    body = message.body
    if message.link_salt:
        body = body.replace(LINK_MARKER, f"{config.get('BASE_URL', '')}/r/{link_token(message.link_salt)}")
    if receipt_links.MARKER in body and message.response_id is not None:  # a receipt: its sequence is the submission
        body = body.replace(receipt_links.MARKER, receipt_links.url(message.response_id, message.sequence))
    email.set_content(body)
    return email


class MailDeferred(RuntimeError):
    """Some messages of a batch met a passing failure: they are queued again and the batch is retried."""


def send_messages(message_ids: Iterable[int]) -> int:
    """Send queued messages over one SMTP connection; how many were newly sent (0 when the batch ran before).
    A passing failure raises MailDeferred after recording what was done (RQ retries the rest)."""
    config = current_app.config
    ids = list(message_ids)
    if not config.get("MAIL_SERVER"):
        return _log_instead(ids)
    settings = mailer.SmtpSettings(
        config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), bool(config.get("MAIL_USE_TLS"))
    )
    sent = 0
    done: tuple[int, mailer.Delivery] | None = None  # recorded with the next claim, or at the end
    try:
        with mailer.connect(settings) as conn:  # unreachable: nothing is claimed, the batch fails and is retried
            for message_id in ids:
                message = _claim(message_id, done)
                done = None
                if message is None:
                    continue
                delivery = conn.send(email_of(message), sender(), message.to_address)
                done = (message.id, delivery)
                if delivery.outcome in (mailer.Outcome.RETRY, mailer.Outcome.UNKNOWN):
                    raise MailDeferred(f"sending to {message.to_address} met a passing failure: {delivery.detail}")
                sent += delivery.outcome == mailer.Outcome.SENT
    finally:
        if done is not None:
            _settle(*done)
    return sent


def _log_instead(ids: Sequence[int]) -> int:
    """Without MAIL_SERVER (the demo), log each message instead of sending it."""
    done = 0
    for message_id in ids:
        message = _claim(message_id)
        if message is not None:
            logger.info("MAIL_SERVER is not set: not sent to %s: %s", message.to_address, message.subject)
            _settle(message.id, mailer.Delivery(mailer.Outcome.SENT, "MAIL_SERVER is not set"), MailStatus.LOGGED)
            done += 1
    return done


def _target(job: Job) -> Any:
    """The condition naming a job's messages: a round's, or (target "outbox") those of no round."""
    if job.target_type == "round":
        return OutboxMessage.round_id == job.target_id
    return OutboxMessage.round_id.is_(None)


def _pending(job: Job) -> list[int]:
    """The job's messages still queued, oldest first."""
    query = select(OutboxMessage.id).where(_target(job), OutboxMessage.status == MailStatus.QUEUED)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def _run(job: Job, message_ids: list[int]) -> int:
    """Send a batch of the job's messages."""
    return send_messages(message_ids)


def _fail(job: Job, message_ids: list[int]) -> None:
    """On the last attempt, a batch's messages still queued have failed (the round's mail page shows them)."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == MailStatus.QUEUED)
        .values(status=MailStatus.FAILED)
    )


def _orphans(active: Sequence[Job]) -> list[tuple[str, int]]:
    """Rounds with queued messages that no active mail job covers (Redis was away when they were written)."""
    covered = [j.target_id for j in active if j.kind == MAIL.name and j.target_type == "round"]
    query = (
        select(OutboxMessage.round_id)
        .where(OutboxMessage.status == MailStatus.QUEUED, OutboxMessage.round_id.is_not(None))
        .where(OutboxMessage.round_id.not_in(covered))
        .distinct()
    )
    return [("round", round_id) for round_id in sorted(db.session.scalars(query))]


MAIL = lifecycle.register(
    JobKind(
        "mail",
        pending=_pending,
        run=_run,
        queue="default",
        batch_size=BATCH_SIZE,
        label="e-mail",
        fail=_fail,
        orphans=_orphans,
    )
)
