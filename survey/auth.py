"""Staff log-in: Flask-Login over server-side staff sessions, and the `require_role` decorator.

The cookie carries a session token, not the account id: signing out revokes the session row, so a copied or
replayed cookie opens nothing afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, request
from flask_login import UserMixin, current_user

from survey.extensions import db, login_manager, read_in_autocommit
from survey.models import User
from survey.services import staff

View = Callable[..., Any]


class Staff(UserMixin):
    """The signed-in staff member as Flask-Login sees them: a thin wrapper over the User row and its session."""

    def __init__(self, user: User, session_token: str) -> None:
        self.user = user
        self.session_token = session_token
        self.role = user.role
        self.name = user.name
        self.email = user.email

    @property
    def id(self) -> int:
        """The account's id (audit records and queries use it)."""
        return self.user.id

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the session token."""
        return self.session_token

    @property
    def is_active(self) -> bool:
        """A disabled account cannot sign in or stay signed in."""
        return self.user.disabled_at is None


@login_manager.user_loader
def load_staff(session_token: str) -> Staff | None:
    """The staff member of a live session, or None when it was revoked, expired or the account is disabled."""
    user = staff.session_user(session_token)
    if user is None:
        return None
    if db.session.dirty:
        db.session.commit()  # the session's idle expiry moved on
    return Staff(user, session_token)


def require_role(*roles: str) -> Callable[[View], View]:
    """Allow a view to signed-in staff with one of these roles: others go to log-in, the wrong role gets 403. A GET
    reads in autocommit (from the session check on), as the respondent pages do."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if request.method in ("GET", "HEAD"):
                read_in_autocommit()
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
