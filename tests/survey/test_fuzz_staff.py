"""The staff account forms fuzzed like every other form (tests/survey/test_fuzz.py): no input gives a 5xx."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.models import User, utcnow
from survey.services import resets
from tests.staff_login import sign_in
from tests.survey.test_fuzz import Target, assert_no_server_errors


def code_target(client, lead, db) -> Target:
    """The two-factor code page, between the password and the session."""

    def password_step() -> None:
        client.get("/auth/login")
        client.post("/auth/login", {"email": lead[0], "password": lead[1]})

    password_step()
    return Target(client, "/auth/two-factor", "/auth/two-factor", restore=password_step)


def reset_request_target(client, lead, db) -> Target:
    """Asking for a reset link (the answer is a page, not a redirect)."""
    return Target(client, "/auth/reset", "/auth/reset", valid={"email": lead[0]})


def new_password_target(client, lead, db) -> Target:
    """Choosing a new password with a live link (never completed: the second box is left to the variants)."""
    token = resets.create_link(db.session.scalar(select(User)))
    db.session.commit()
    url = f"/auth/reset/{token}"
    return Target(client, url, url)


def signed_in(client, lead, page: str, url: str, **valid: str) -> Target:
    sign_in(client, *lead)

    def again() -> None:
        if client.get(page).status_code != 200:
            sign_in(client, *lead)

    return Target(client, page, url, action=url if url != page else None, valid=valid, restore=again)


def organisation_id(factory, db) -> int:
    org = factory.organisation("Fuzz Trust")
    db.session.commit()
    return org.id


def submitted_id(factory, db) -> int:
    resp = factory.response(factory.round(), factory.organisation("Fuzz Trust"))
    resp.status, resp.submitted_at = "submitted", utcnow()
    db.session.commit()
    return resp.id


def round_id(factory, db) -> int:
    rnd = factory.round()
    db.session.commit()
    return rnd.id


def twice(url: str) -> tuple[str, str]:
    """A page whose form posts to the page itself."""
    return url, url


def user_page(db) -> tuple[str, str]:
    page = f"/manage/users/{db.session.scalar(select(User.id))}"
    return page, f"{page}/role"


STAFF_TARGETS = {
    "two-factor code": code_target,
    "reset request": reset_request_target,
    "new password": new_password_target,
    "recovery codes button": lambda c, lead, db: signed_in(c, lead, "/auth/account", "/auth/recovery-codes"),
    "new account": lambda c, lead, db: signed_in(
        c, lead, "/manage/users", "/manage/users", name="Ali", email="ali@pledge.example", role="reviewer"
    ),
    "role": lambda c, lead, db: signed_in(c, lead, *user_page(db), role="lead"),
}
ORGANISATION = {"name": "Fuzz Council", "kind": "council", "region": "Kent"}
CONTACT = {"name": "Ada", "role": "Chair", "email": "ada@fuzz.example"}
ROUND = {"name": "Fuzz round", "opens_on": "2026-01-01", "deadline": "2026-12-31", "allow_late": "yes"}
NEW_ORGANISATION = "/manage/organisations/new"
LEAD_TARGETS = {
    "organisation": lambda c, lead, db, f: signed_in(c, lead, NEW_ORGANISATION, NEW_ORGANISATION, **ORGANISATION),
    "contact": lambda c, lead, db, f: signed_in(
        c, lead, *twice(f"/manage/organisations/{organisation_id(f, db)}"), **CONTACT
    ),
    "import": lambda c, lead, db, f: signed_in(c, lead, "/manage/organisations/import", "/manage/organisations/import"),
    "round settings": lambda c, lead, db, f: signed_in(
        c, lead, *twice(f"/manage/rounds/{round_id(f, db)}/settings"), **ROUND
    ),
    "new round": lambda c, lead, db, f: signed_in(c, lead, "/manage/rounds/new", "/manage/rounds/new", **ROUND),
    "reopen": lambda c, lead, db, f: signed_in(
        c, lead, *twice(f"/manage/responses/{submitted_id(f, db)}/reopen"), reason="Why"
    ),
}


@pytest.mark.parametrize("which", sorted(STAFF_TARGETS))
def test_account_forms_never_answer_malformed_input_with_a_server_error(client, lead, db, which):
    assert_no_server_errors(STAFF_TARGETS[which](client, lead, db))


@pytest.mark.parametrize("which", sorted(LEAD_TARGETS))
def test_lead_forms_never_answer_malformed_input_with_a_server_error(client, lead, factory, db, which):
    db.session.commit()  # the pledge: an open transaction would lock SQLite for the server
    assert_no_server_errors(LEAD_TARGETS[which](client, lead, db, factory))
