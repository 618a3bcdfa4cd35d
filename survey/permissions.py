"""Permissions as named predicates over the signed-in staff member: every staff view names the one it needs.

A view decorated with `require(PERMISSION)` carries `view.permission`, so a test can walk every staff route and
check who gets what, and templates ask `can("manage_users")` before offering a link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, abort, request
from flask_login import current_user

from survey.extensions import login_manager, read_in_autocommit
from survey.models.states import Role

View = Callable[..., Any]


@dataclass(frozen=True)
class Permission:
    """A named predicate: `allows(staff)` says whether a signed-in staff member may do this."""

    name: str
    allows: Callable[[Any], bool]
    signed_in: bool = True  # False: a page for anyone (the sign-in and password-reset pages)


def _lead(user: Any) -> bool:
    return user.role == Role.LEAD


def _staff(user: Any) -> bool:
    return user.role in (Role.LEAD, Role.REVIEWER)


ANYONE = Permission("anyone", lambda user: True, signed_in=False)
OWN_ACCOUNT = Permission("own_account", _staff)
READ_REPORTS = Permission("read_reports", _staff)
REVIEW = Permission("review", _staff)
MANAGE_ROUNDS = Permission("manage_rounds", _lead)
MANAGE_ORGANISATIONS = Permission("manage_organisations", _lead)
MANAGE_USERS = Permission("manage_users", _lead)
READ_AUDIT = Permission("read_audit", _lead)
EXPORT = Permission("export", _staff)

BY_NAME = {
    p.name: p
    for p in (
        ANYONE,
        OWN_ACCOUNT,
        READ_REPORTS,
        REVIEW,
        MANAGE_ROUNDS,
        MANAGE_ORGANISATIONS,
        MANAGE_USERS,
        READ_AUDIT,
        EXPORT,
    )
}


def for_roles(*roles: str) -> Permission:
    """The permission of an older `require_role(...)` view: any of these roles."""
    return Permission("role:" + "/".join(sorted(roles)), lambda user: user.role in roles)


def require(permission: Permission) -> Callable[[View], View]:
    """Allow a view to whom `permission` allows: no session goes to sign-in, the wrong role gets 403. A GET reads in
    autocommit (from the session check on), as the respondent pages do."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if request.method in ("GET", "HEAD"):
                read_in_autocommit()
            if permission.signed_in:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                if not permission.allows(current_user):
                    abort(403, "Your account cannot open this page: ask the pledge lead if you need it.")
            return view(*args, **kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorate


def can(name: str) -> bool:
    """Whether the signed-in staff member has the named permission (for templates)."""
    return bool(current_user.is_authenticated and BY_NAME[name].allows(current_user))


def init_app(app: Flask) -> None:
    """Offer `can(...)` to templates."""
    app.jinja_env.globals["can"] = can
