"""Staff log-in: Flask-Login session handling, argon2id password hashes and the `require_role` decorator."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort
from flask_login import UserMixin, current_user

from survey.extensions import db, login_manager
from survey.models import User

# argon2id with the library's RFC 9106 low-memory defaults.
_hasher = PasswordHasher()
View = Callable[..., Any]


class Staff(UserMixin):
    """The signed-in staff member as Flask-Login sees them: a thin wrapper over the User row."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.id = user.id
        self.role = user.role
        self.name = user.name
        self.email = user.email

    @property
    def is_active(self) -> bool:
        """A disabled account cannot sign in or stay signed in."""
        return self.user.disabled_at is None


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches the stored hash (False for a missing or malformed hash)."""
    if not password_hash:
        _hasher.hash(password)  # spend the same time as a real check, so timing does not reveal accounts
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@login_manager.user_loader
def load_staff(user_id: str) -> Staff | None:
    """The staff member of a session, or None when the account is gone or disabled."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return Staff(user) if user is not None and user.disabled_at is None else None


def require_role(*roles: str) -> Callable[[View], View]:
    """Allow a view to signed-in staff with one of these roles: others go to log-in, the wrong role gets 403."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def init_app(app: Flask) -> None:
    """Bind Flask-Login: sessions are tied to the browser, and log-in is the auth blueprint's page."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "strong"
