"""Who may act: invitation links, respondent sessions, staff users, and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, utcnow
from survey.models.pledge import Contact
from survey.models.rounds import Response
from survey.models.states import Role, state_column


class Invitation(Base):
    """A link for one contact to one response; only the SHA-256 of its token is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    response: Mapped[Response] = relationship()
    contact: Mapped[Contact] = relationship()

    def __repr__(self) -> str:
        return f"<Invitation {self.id} contact={self.contact_id}>"


class SessionColumns:
    """What every server-side session row holds: the SHA-256 of its cookie token and its life (idle expiry,
    revocation)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class RespondentSession(SessionColumns, Base):
    """A server-side session opened by an invitation link; revoking it signs the browser out."""

    __tablename__ = "respondent_sessions"

    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), index=True)

    invitation: Mapped[Invitation] = relationship()

    def __repr__(self) -> str:
        return f"<RespondentSession {self.id}>"


class User(Base):
    """A staff account (pledge lead or reviewer): argon2id password, TOTP two-factor, role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(state_column(Role, 20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # Two-factor is set up once a code from the secret has been confirmed; the last time step accepted makes a
    # code (and any earlier one) useless a second time.
    totp_enrolled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class StaffSession(SessionColumns, Base):
    """A server-side staff session: the cookie holds its token, so signing out or revoking ends it everywhere."""

    __tablename__ = "staff_sessions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<StaffSession {self.id} user={self.user_id}>"


class AuditEvent(Base):
    """Who did what, when: saves, submissions, link use and revocation, staff actions."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.target_type}:{self.target_id}>"


# On PostgreSQL the database itself keeps the audit log append-only: an UPDATE or DELETE of an event fails, whoever
# sends it (TRUNCATE, which the tests use to empty tables, is a different statement). Migration 0011 adds the same.
APPEND_ONLY_FUNCTION = DDL(
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit events are append-only: %% refused', TG_OP; END $$"
)
APPEND_ONLY_TRIGGER = DDL(
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
)
event.listen(AuditEvent.__table__, "after_create", APPEND_ONLY_FUNCTION.execute_if(dialect="postgresql"))
event.listen(AuditEvent.__table__, "after_create", APPEND_ONLY_TRIGGER.execute_if(dialect="postgresql"))
