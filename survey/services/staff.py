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


def create_user(email: str, password: str | None, *, role: str, name: str, actor_id: int | None = None) -> User:
    """Add a staff account with an argon2id password hash (None: the person sets it from an e-mailed link);
    flushes."""
    if role not in ROLES:
        raise StaffError(f"role must be one of {', '.join(ROLES)}")
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise StaffError(str(exc)) from None
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email.lower())) is not None:
        raise StaffError(f"there is already an account for {email}")
    user = User(
        email=email, name=name.strip() or email, role=role, password_hash=hash_password(password) if password else None
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created",
        actor_type="user" if actor_id else "system",
        actor_id=actor_id,
        target_type="user",
        target_id=user.id,
        role=role,
    )
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


def live_sessions(user_id: int) -> list[StaffSession]:
    """An account's sessions that are neither revoked nor expired, most recently used first."""
    return list(
        db.session.scalars(
            select(StaffSession)
            .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
            .where(StaffSession.expires_at > utcnow())
            .order_by(StaffSession.last_seen_at.desc())
        )
    )


def end_all_sessions(user_id: int) -> int:
    """Revoke every live session of an account ("sign out everywhere"); returns how many ended."""
    table = StaffSession.__table__
    ended = db.session.execute(
        update(table).where(table.c.user_id == user_id, table.c.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    return ended.rowcount


def set_password(user: User, password: str) -> None:
    """Give an account a new password (argon2id); every session it had ends. Flushes."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long")
    user.password_hash = hash_password(password)
    end_all_sessions(user.id)
    db.session.flush()


def all_users() -> list[User]:
    """Every staff account, leads first, then by name."""
    return list(db.session.scalars(select(User).order_by(User.role, User.name)))


def user_id_for(email: str) -> int | None:
    """The id of the account with this address, if any (audit records of failed sign-ins name it)."""
    return db.session.scalar(select(User.id).where(func.lower(User.email) == email.strip().lower()))


def session_id(token: str) -> int | None:
    """The id of the session row a cookie token names."""
    return db.session.scalar(select(StaffSession.id).where(StaffSession.token_hash == token_hash(token)))


def revoke_session(session_id: int, user_id: int) -> bool:
    """Revoke one session of an account (the lead ending a lost device's session); False when not live."""
    table = StaffSession.__table__
    ended = db.session.execute(
        update(table)
        .where(table.c.id == session_id, table.c.user_id == user_id, table.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return ended.rowcount == 1


def _leads_left_without(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(User.role == "lead", User.disabled_at.is_(None), User.id != user.id)
        )
        or 0
    )


def change_role(user: User, role: str, *, actor_id: int) -> None:
    """Make an account a lead or a reviewer (audited); the last active lead stays a lead. Flushes."""
    if role not in ROLES:
        raise StaffError(f"Choose a role: {' or '.join(ROLES)}")
    if role != user.role and user.role == "lead" and _leads_left_without(user) == 0:
        raise StaffError("This is the only lead: make another account a lead first")
    if role != user.role:
        audit.record(
            "user.role_changed", actor_type="user", actor_id=actor_id, target_type="user", target_id=user.id,
            summary=f"{user.email}: {user.role} → {role}", old=str(user.role), new=role,
        )  # fmt: skip
        user.role = role
    db.session.flush()


def set_disabled(user: User, disabled: bool, *, actor_id: int) -> None:
    """Disable an account (its sessions end at once) or enable it again (audited); never the last lead."""
    if disabled and user.role == "lead" and _leads_left_without(user) == 0:
        raise StaffError("This is the only lead: make another account a lead first")
    user.disabled_at = utcnow() if disabled else None
    if disabled:
        end_all_sessions(user.id)
    audit.record(
        "user.disabled" if disabled else "user.enabled",
        actor_type="user", actor_id=actor_id, target_type="user", target_id=user.id, summary=user.email,
    )  # fmt: skip
    db.session.flush()


def reset_two_factor(user: User, *, actor_id: int) -> None:
    """Clear an account's two-factor (a lost phone without recovery codes): it sets it up again at its next
    sign-in, and its sessions end. Audited; flushes."""
    from survey.models import RecoveryCode

    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    end_all_sessions(user.id)
    audit.record(
        "user.two_factor_reset", actor_type="user", actor_id=actor_id, target_type="user", target_id=user.id,
        summary=user.email,
    )  # fmt: skip
    db.session.flush()
