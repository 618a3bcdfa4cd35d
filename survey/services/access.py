"""Invitation links and the respondent sessions they open."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from survey.config import SESSION_IDLE
from survey.extensions import db
from survey.models import Contact, Invitation, RespondentSession, Response, Round, utcnow
from survey.services import audit
from survey.services.pledges import packed_commitment_titles, unpack_commitment_titles
from survey.services.responses import previous_submission_id


class InvitationError(Exception):
    """An invitation link cannot be used; `reason` is invalid, expired, revoked or closed."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def token_hash(token: str) -> str:
    """The SHA-256 of a token, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(
    response: Response, contact: Contact, *, days: int, now: datetime | None = None, token: str | None = None
) -> str:
    """Create an invitation for a contact to a response and return its token (shown once, never stored); the
    outbox passes a token it can derive again from a salt and SECRET_KEY."""
    token = token or secrets.token_urlsafe(32)  # 256 bits
    now = now or utcnow()
    invitation = Invitation(
        response_id=response.id,
        contact_id=contact.id,
        token_hash=token_hash(token),
        expires_at=now + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        "invitation.created", actor_type="system", actor_id=None, target_type="invitation", target_id=invitation.id
    )
    return token


def check_invitation(token: str, now: datetime | None = None) -> Invitation:
    """Return the usable invitation for a token, or raise InvitationError saying why not."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    now = now or utcnow()
    if invitation is None:
        raise InvitationError("invalid")
    if invitation.revoked_at is not None:
        raise InvitationError("revoked", invitation)
    if invitation.expires_at <= now:
        raise InvitationError("expired", invitation)
    if invitation.response.round.closed_at is not None:
        raise InvitationError("closed", invitation)
    return invitation


def revoke_invitation(invitation: Invitation, *, actor_type: str = "system", actor_id: int | None = None) -> None:
    """Revoke a link and every session it opened."""
    now = utcnow()
    invitation.revoked_at = now
    for session in db.session.scalars(
        select(RespondentSession).where(
            RespondentSession.invitation_id == invitation.id, RespondentSession.revoked_at.is_(None)
        )
    ):
        session.revoked_at = now
    audit.record(
        "invitation.revoked",
        actor_type=actor_type,
        actor_id=actor_id,
        target_type="invitation",
        target_id=invitation.id,
    )


def start_session(invitation: Invitation) -> str:
    """Open a server-side session for an invitation and return its cookie token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation.last_used_at = now
    db.session.add(
        RespondentSession(
            invitation_id=invitation.id,
            token_hash=token_hash(token),
            expires_at=now + SESSION_IDLE,
        )
    )
    audit.record(
        "invitation.opened",
        actor_type="contact",
        actor_id=invitation.contact_id,
        target_type="response",
        target_id=invitation.response_id,
    )
    return token


@dataclass(frozen=True)
class Respondent:
    """Who is signed in through an invitation: the contact and the one response they may see."""

    session_id: int
    contact_id: int
    response_id: int
    # Loaded with the session (the identity map holds objects weakly, so the respondent keeps them for the request).
    response: Response = field(compare=False, repr=False)
    contact: Contact = field(compare=False, repr=False)
    # Also loaded with the session: is there an earlier report (pre-fill offer, first report?) and the commitments.
    previous_id: int | None = field(default=None, compare=False, repr=False)
    commitments: tuple[tuple[int, str], ...] | None = field(default=None, compare=False, repr=False)


@cache
def _respondent_query() -> Select[Any]:
    """The session query, built once (building it cost more than running it): bind `token_hash`."""
    # It also loads the response (with its round and organisation), the contact, the id of the previous report
    # and the commitment titles: a page needs them all.
    response = joinedload(Invitation.response)
    pledge_id = (
        select(Round.pledge_id)
        .join(Response, Response.round_id == Round.id)
        .where(Response.id == Invitation.response_id)
        .correlate(Invitation)
        .scalar_subquery()
    )
    return (
        select(
            RespondentSession,
            Invitation,
            previous_submission_id(Invitation.response_id),
            packed_commitment_titles(pledge_id),
        )
        .join(Invitation, RespondentSession.invitation_id == Invitation.id)
        .where(RespondentSession.token_hash == bindparam("token_hash"))
        .options(
            response.joinedload(Response.round),
            response.joinedload(Response.organisation),
            joinedload(Invitation.contact),
        )
    )


def respondent_for(token: str | None) -> Respondent | None:
    """The respondent of a live session token, extending its idle expiry; None when unknown or revoked."""
    if not token:
        return None
    row = db.session.execute(_respondent_query(), {"token_hash": token_hash(token)}).first()
    if row is None:
        return None
    session, invitation, previous_id, commitments = row
    now = utcnow()
    if session.revoked_at or invitation.revoked_at or now >= min(session.expires_at, invitation.expires_at):
        return None  # a session lasts no longer than the link that opened it
    if (now - session.last_seen_at) > timedelta(minutes=5):
        session.last_seen_at = now  # the request that asked commits it
        session.expires_at = now + SESSION_IDLE
    return Respondent(
        session.id,
        invitation.contact_id,
        invitation.response_id,
        invitation.response,
        invitation.contact,
        previous_id,
        unpack_commitment_titles(commitments),
    )


def end_session(session_id: int) -> None:
    """Revoke one respondent session (sign out)."""
    session = db.session.get(RespondentSession, session_id)
    if session is not None and session.revoked_at is None:
        session.revoked_at = utcnow()
