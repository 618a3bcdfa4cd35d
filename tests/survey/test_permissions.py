"""Every staff route (each rule of the manage, review and auth blueprints, found in the app's URL map, so routes
added later are covered too) names a permission, and each role and no session get exactly what it allows."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from werkzeug.routing import Rule

from survey.permissions import Permission
from tests.staff_login import sign_in

STAFF_BLUEPRINTS = ("manage", "review", "auth")
# Routes that end the session that requests them: signed in again after.
ENDS_SESSION = {"auth.logout", "auth.sign_out_everywhere"}
# A value for each kind of URL part: ids name no row (so nothing is changed), which a permission check precedes.
UNKNOWN_ID = 2**31 - 1


def staff_rules(app) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint.partition(".")[0] in STAFF_BLUEPRINTS),
        key=lambda r: r.rule,
    )


def url_for_rule(app, rule: Rule) -> str:
    values = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__
        values[name] = {"IntegerConverter": UNKNOWN_ID, "AnyConverter": "csv"}.get(converter, "not-a-token")
    return app.url_map.bind("127.0.0.1").build(rule.endpoint, values)


def requests_of(app) -> list[tuple[str, str, str, Permission]]:
    found = []
    for rule in staff_rules(app):
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url_for_rule(app, rule), view.permission))
    return found


def test_every_staff_view_names_a_permission(app):
    rules = staff_rules(app)
    assert len(rules) > 30  # the walk below sees the whole staff side
    unnamed = [
        r.endpoint
        for r in rules
        if not isinstance(getattr(app.view_functions[r.endpoint], "permission", None), Permission)
    ]
    assert unnamed == [], "use survey.permissions.require(...) on every staff view"


def send(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return client.post(url, {})  # with the CSRF token of the last page: the permission is what answers


def signed_out(reply) -> bool:
    return reply.status_code == 302 and reply.headers["location"].startswith("/auth/login")


def judge(reply, endpoint: str, permission: Permission, role: str | None, who: object) -> str:
    """What is wrong with this answer to this role (empty when it is right)."""
    if reply.status_code >= 500:
        return "a server error"
    if not permission.signed_in:
        return "on a page for anyone" if reply.status_code == 403 else ""
    if role is None:
        return "" if signed_out(reply) else "with no session (expected the sign-in page)"
    if permission.allows(who):
        refused = reply.status_code == 403 or (signed_out(reply) and endpoint not in ENDS_SESSION)
        return f"for a {role}, whom {permission.name} allows" if refused else ""
    return "" if reply.status_code == 403 else f"for a {role}, whom {permission.name} refuses"


@pytest.mark.parametrize("role", [None, "reviewer", "lead"])
def test_each_role_gets_exactly_what_each_staff_route_allows(app, browser_factory, lead, reviewer, factory, db, role):
    db.session.commit()
    client = browser_factory()
    account = {"lead": lead, "reviewer": reviewer}.get(role)
    if account:
        sign_in(client, *account)
    client.get("/auth/login")  # a CSRF token for the posts, signed in or not
    who = SimpleNamespace(role=role)
    wrong = []
    for endpoint, method, url, permission in requests_of(app):
        reply = send(client, method, url)
        problem = judge(reply, endpoint, permission, role, who)
        if problem:
            wrong.append(f"{method} {url}: {reply.status_code} {problem}")
        if account and endpoint in ENDS_SESSION:
            sign_in(client, *account)
            client.get("/auth/login")
    assert wrong == []
