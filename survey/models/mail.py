"""E-mail to respondents: the outbox every message is written to before it is sent, and a round's reminder
policy."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base, utcnow
from survey.models.states import state_column


class MailKind(StrEnum):
    """Why a message is sent."""

    INVITATION = "invitation"  # the link to a round's report (first sending, or resent)
    REMINDER = "reminder"  # the link again, to a contact whose organisation has not submitted
    RECEIPT = "receipt"  # a submitted report's reference, to every contact of the organisation
    LINK = "link"  # a new link a respondent asked for on the start page


class MailStatus(StrEnum):
    """A message's life in the outbox."""

    QUEUED = "queued"  # written, waiting for a sending job
    SENDING = "sending"  # claimed by a job: never claimed again (a crash here leaves it unconfirmed, not resent)
    SENT = "sent"  # the SMTP server accepted it
    REFUSED = "refused"  # the SMTP server refused it for good (5xx)
    FAILED = "failed"  # every retry met a passing failure (server away, 4xx)
    BOUNCED = "bounced"  # accepted, then returned undeliverable (a delivery status notification)
    CANCELLED = "cancelled"  # its link was revoked before it was sent
    LOGGED = "logged"  # MAIL_SERVER is not set (the demo): written to the log instead of sent


class OutboxMessage(Base):
    """One e-mail, written before it is sent: `key` (round, contact, kind, sequence) makes writing it twice a
    no-op, and its status changes in transactions of their own, so no retry or crash sends it twice."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_round_status", "round_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"), index=True)
    kind: Mapped[MailKind] = mapped_column(state_column(MailKind, 12))
    sequence: Mapped[int]
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # The link's token is HMAC(SECRET_KEY, salt): the body holds a marker, the token is stored nowhere.
    link_salt: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[MailStatus] = mapped_column(state_column(MailStatus, 12), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.key} {self.status}>"


class ReminderPolicy(Base):
    """When a round reminds automatically (days before the deadline), and how often at most per contact."""

    __tablename__ = "reminder_policies"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    days_before: Mapped[list[Any]] = mapped_column(default=list)
    max_per_contact: Mapped[int] = mapped_column(default=3)
    min_gap_days: Mapped[int] = mapped_column(default=3)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ReminderPolicy round={self.round_id} {self.days_before}>"
