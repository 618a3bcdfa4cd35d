"""Staff accounts: creating them and checking a log-in."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from survey.auth import hash_password, needs_rehash, verify_password
from survey.extensions import db
from survey.models import User
from survey.services import audit

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
    audit.record("user.created", actor_type="system", actor_id=None, target_type="user", target_id=user.id,
                 role=role)
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
