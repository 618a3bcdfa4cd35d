"""Staff accounts: creating them, checking a log-in, and their server-side sessions."""

from __future__ import annotations

import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update

from survey.config import SESSION_IDLE
from survey.extensions import db
from survey.models import StaffSession, User, utcnow
from survey.passwords import hash_password, needs_rehash, verify_password
from survey.services import audit
from survey.services.access import token_hash

ROLES = ("lead", "reviewer")
MIN_PASSWORD_LENGTH = 12


class StaffError(ValueError):
    """An account cannot be created as asked; str() says why."""


def create_user(email: str, password: str, *, role: str, name: str) -> User:
    """Add a staff account with an argon2id password hash; flushes."""
    if role not in ROLES:
        raise StaffError(f"role must be one of {', '.join(ROLES)}")
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise StaffError(str(exc)) from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email.lower())) is not None:
        raise StaffError(f"there is already an account for {email}")
    user = User(email=email, name=name.strip() or email, role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor_type="system", actor_id=None, target_type="user", target_id=user.id, role=role)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account with this e-mail and password, or None; upgrades an outdated hash."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if user.disabled_at is not None:
        return None
    if needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    return user


def start_session(user: User) -> str:
    """Open a server-side session for a signed-in account and return its cookie token (stored hashed)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(StaffSession(user_id=user.id, token_hash=token_hash(token), expires_at=now + SESSION_IDLE))
    return token


def session_user(token: str) -> User | None:
    """The active account of a live session token, extending its idle expiry; None when ended or unknown."""
    row = db.session.execute(
        select(StaffSession, User)
        .join(User, StaffSession.user_id == User.id)
        .where(StaffSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    session, user = row
    now = utcnow()
    if session.revoked_at or session.expires_at <= now or user.disabled_at is not None:
        return None
    if now - session.last_seen_at > timedelta(minutes=5):
        session.last_seen_at = now
        session.expires_at = now + SESSION_IDLE
    return user


def end_session(token: str) -> None:
    """Revoke one staff session (sign out): its cookie no longer opens anything."""
    table = StaffSession.__table__
    db.session.execute(
        update(table)
        .where(table.c.token_hash == token_hash(token), table.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
