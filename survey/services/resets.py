"""Password-reset links: single-use, expiring, sent by e-mail, stored as the SHA-256 of their token."""

from __future__ import annotations

import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update

from survey.extensions import db
from survey.models import PasswordReset, User, utcnow
from survey.services import audit, staff
from survey.services.access import token_hash

RESET_LIFETIME = timedelta(hours=1)
# A new account's first link (set your password) waits longer: the person may not read mail the same hour.
WELCOME_LIFETIME = timedelta(days=3)


class ResetError(ValueError):
    """A reset link cannot be used; str() says why and what to do."""


def account_for(email: str) -> User | None:
    """The active account with this address, or None (the caller answers the same either way)."""
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    return user if user is not None and user.disabled_at is None else None


def create_link(user: User, *, lifetime: timedelta = RESET_LIFETIME) -> str:
    """A new single-use reset token for the account (earlier unused ones stop working); flushes."""
    now = utcnow()
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=token_hash(token), expires_at=now + lifetime))
    audit.record("user.reset_link_sent", actor_type="system", actor_id=None, target_type="user", target_id=user.id)
    db.session.flush()
    return token


def message(user: User, link: str, *, welcome: bool = False) -> tuple[str, str]:
    """The subject and body of a reset (or new-account) e-mail."""
    if welcome:
        return (
            "Your account for pledge progress reporting",
            f"Hello {user.name},\n\nAn account has been made for you as {user.role} of pledge progress reporting.\n"
            f"Choose your password with this link (it works once, for 3 days):\n\n{link}\n\n"
            "You will then set up two-factor sign-in with an authenticator app.\n",
        )
    return (
        "Reset your password for pledge progress reporting",
        f"Hello {user.name},\n\nSomeone (we hope you) asked to reset your password.\n"
        f"Choose a new password with this link (it works once, for 1 hour):\n\n{link}\n\n"
        "If it was not you, ignore this message: your password has not changed.\n",
    )


def link_user(token: str) -> User:
    """The account a live reset link is for; ResetError says why a link does not work."""
    row = db.session.execute(
        select(PasswordReset, User).join(User).where(PasswordReset.token_hash == token_hash(token))
    ).first()
    if row is None:
        raise ResetError("This link is not right. Check it is the whole link from the e-mail, or ask for a new one.")
    reset, user = row
    if reset.used_at is not None:
        raise ResetError("This link has been used already (or a newer one was sent). Ask for a new one.")
    if reset.expires_at <= utcnow():
        raise ResetError("This link has expired. Ask for a new one.")
    if user.disabled_at is not None:
        raise ResetError("This account is disabled. Ask the pledge lead.")
    return user


def use_link(token: str, password: str) -> User:
    """Set a new password with a live link, spending it atomically; every session of the account ends. Flushes."""
    user = link_user(token)
    spent = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.token_hash == token_hash(token), PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if spent.rowcount != 1:
        raise ResetError("This link has been used already. Ask for a new one.")
    staff.set_password(user, password)
    audit.record("user.password_reset", actor_type="user", actor_id=user.id, target_type="user", target_id=user.id)
    return user
