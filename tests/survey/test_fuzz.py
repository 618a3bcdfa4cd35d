"""Malformed input never gets a server error: every form of the app, each field sent wrong in every way we know.

Each field of each form is sent missing, empty, 100,000 characters long, as a 41-digit or negative number, as
words where a number belongs, with a NUL byte, as bytes that are not UTF-8 (or encode a lone surrogate), twice,
as a file upload and inside a JSON body; the answer may be a 400 or the form's own error message, never a 5xx.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import delete as sa_delete
from sqlalchemy import select

import forms.auth
import forms.manage
import forms.organisations
import forms.questionnaire
import forms.respond
import forms.rounds
import forms.users
from survey.models import Answer, AnswerRevision, utcnow
from survey.services import responses
from tests.answers import SECTIONS, Answers, answers_for
from tests.staff_login import sign_in
from tests.survey.conftest import LEAD_PASSWORD
from tests.survey.test_collaboration import clash

FORM_TYPE = "application/x-www-form-urlencoded"
Pair = tuple[str, str | bytes]  # bytes: already encoded for the body, sent as they are


@dataclass
class Target:
    """A form of the app: the page that shows it, the form's action (None: the page's own address), valid values,
    and how to put back what a successful post changed (a session, a conflict)."""

    client: Any
    page: str
    url: str
    action: str | None = None
    valid: Answers = field(default_factory=dict)
    restore: Callable[[], None] = lambda: None


def form_fields(html: str, action: str | None) -> tuple[set[str], list[tuple[str, str]]]:
    """The field names of the page's form with this action, and its hidden fields' values.

    A form the page does not offer (pre-fill without an earlier report) can still be posted: then it is the
    CSRF token alone, read from another form of the page."""
    forms_on_page = [
        (re.search(r'\baction="([^"]*)"', attrs), body)
        for attrs, body in re.findall(r"<form\b([^>]*)>(.*?)</form>", html, re.S)
    ]
    bodies = [body for found, body in forms_on_page if (found.group(1) if found else None) == action]
    names = set(re.findall(r'\bname="([^"]+)"', bodies[0])) if bodies else {"csrf_token"}
    hidden = {}
    for tag in re.findall(r"<input\b[^>]*>", bodies[0] if bodies else html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        if attrs.get("type") == "hidden" and (bodies or attrs.get("name") == "csrf_token"):
            hidden[attrs["name"]] = attrs.get("value", "")
    return names, list(hidden.items())


def encode(pairs: list[Pair]) -> bytes:
    """A urlencoded body; bytes values go in as they are."""
    return b"&".join(
        quote_plus(k).encode() + b"=" + (v if isinstance(v, bytes) else quote_plus(v).encode()) for k, v in pairs
    )


def variants(name: str, base: list[tuple[str, str]], token: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Requests that send field `name` wrong, each with the other fields of a valid submission."""
    others: list[Pair] = [(k, v) for k, v in base if k != name]
    original = next((v for k, v in base if k == name), "y")

    def body(*values: str | bytes) -> dict[str, Any]:
        return {"content": encode(others + [(name, v) for v in values]), "headers": {"Content-Type": FORM_TYPE}}

    yield "missing", body()
    yield "empty", body("")
    yield "huge text", body("x" * 100_000)
    yield "huge number", body(str(10**40))
    yield "negative", body("-1")
    yield "not a number", body("twelve")
    yield "NUL byte", body("a\x00b")
    yield "repeated", body(original, "junk", original)
    yield "invalid UTF-8", body(b"%FF%FE%C3%28")
    yield "lone surrogate", body(b"%ED%A0%80x")
    yield "raw bytes", body(b"\xff\xfe\x00\xed\xa0\x80")
    fields: dict[str, list[str]] = {}
    for k, v in others:
        fields.setdefault(k, []).append(v if isinstance(v, str) else v.decode())
    yield "file upload", {"data": fields, "files": [(name, ("answer.txt", b"my answer\x00\xff", "text/plain"))]}
    as_json = {k: v[0] for k, v in fields.items()}
    wrong_types = [10**40, None, {}, "\ud800"]  # JSON can carry what a form cannot: numbers, lists, null, surrogates
    yield "JSON", {"content": json.dumps(as_json | {name: wrong_types}), "headers": json_headers(token)}


def json_headers(token: str) -> dict[str, str]:
    """A JSON body that carries its CSRF token in the header Flask-WTF also reads."""
    return {"Content-Type": "application/json", "X-CSRFToken": token}


def whole_body_variants(base: list[tuple[str, str]], token: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Bodies that are wrong as a whole: none, not a form, a JSON array, broken JSON, a field name not UTF-8."""
    header = {"X-CSRFToken": token}
    yield "no body", {"headers": header}
    yield "text body", {"content": b"\x00\xff junk", "headers": header | {"Content-Type": "text/plain"}}
    yield "JSON array", {"content": b"[1, 2]", "headers": json_headers(token)}
    yield "JSON null", {"content": b"null", "headers": json_headers(token)}
    yield "broken JSON", {"content": b'{"a": ', "headers": json_headers(token)}
    yield (
        "bad field name",
        {"content": encode([*base, ("%FF", b"x")]).replace(b"%25FF", b"%FF"), "headers": {"Content-Type": FORM_TYPE}},
    )


def fuzz(target: Target) -> list[str]:
    """Post every variant of every field of the target's form; the variants that got a 5xx."""
    failures = []

    def fresh() -> tuple[set[str], list[tuple[str, str]], str]:
        page = target.client.get(target.page)
        assert page.status_code == 200, (target.page, page.status_code)
        names, hidden = form_fields(page.text, target.action)
        pairs = [(k, x) for k, v in target.valid.items() for x in (v if isinstance(v, list) else [v])]
        token = dict(hidden)["csrf_token"]
        return names | set(target.valid), hidden + pairs, token

    names, base, token = fresh()
    requests = [(n, label) for n in sorted(names) for label, _ in variants(n, [], "")]
    requests += [("", label) for label, _ in whole_body_variants([], "")]
    for name, label in requests:
        sent = dict(variants(name, base, token) if name else whole_body_variants(base, token))[label]
        reply = target.client.http.post(target.url, **sent)
        if reply.status_code >= 500:
            failures.append(f"{target.url} {name or 'body'}: {label} -> {reply.status_code}")
        if reply.is_redirect:  # it was accepted: put things back, and read the page again as a person would
            target.restore()
            _, base, token = fresh()
    return failures


def assert_no_server_errors(target: Target) -> None:
    """Fuzz the target's form; list every variant that got a 5xx."""
    failures = fuzz(target)
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures)


def start(client, factory, resp, contact: int = 0) -> None:
    """Sign a respondent in with their invitation link."""
    assert client.get(factory.invite(resp, contact)).status_code == 302


def later_report(factory, db):
    """A response in round 2 of an organisation that submitted in round 1 (pre-fill and the later questions)."""
    old_round = factory.round(1, closed=True)
    org = factory.organisation()
    old = factory.response(old_round, org)
    questionnaire = responses.questionnaire_for(old)
    for section in questionnaire.sections:
        for q in section.questions:
            value = answers_for(section.key).get(q.key) if section.key in SECTIONS else None
            if value and not q.readonly:
                responses.write_answer(old, q, value, None)
    old.status = "submitted"
    new = factory.response(factory.round(2, previous=old_round), org)
    db.session.commit()
    return new


def respondent_target(client, factory, db, key: str) -> Target:
    """A section, the check page or pre-fill of a first report; `key:later` on a later report, `key:submitted` on
    a submitted one (a save that arrives then is kept aside, never applied)."""
    key, _, state = key.partition(":")
    resp = later_report(factory, db) if state == "later" else factory.response(factory.round(), factory.organisation())
    start(client, factory, resp)
    base = f"/respond/{resp.id}"
    if key == "check":
        return Target(client, f"{base}/check", f"{base}/check", valid={"confirm": "y", "full_name": "Ada Obi"})
    if key == "prefill":
        prefill = f"{base}/sections/commitment-3/prefill"
        return Target(client, f"{base}/sections/commitment-3", prefill, action=prefill)
    valid = answers_for(key) if key in SECTIONS else {"changes_since_last": "We published our data."}
    valid |= {"action": "continue"}
    if state != "submitted":
        return Target(client, f"{base}/sections/{key}", f"{base}/sections/{key}", valid=valid)
    # The section page now redirects to the report, so the fields (revisions included) are named here.
    section = responses.questionnaire_for(resp).section(key)
    valid |= {q.revision_field: "0" for q in section.questions if not q.readonly}
    resp.status, resp.submitted_at = "submitted", utcnow()
    db.session.commit()
    return Target(client, f"{base}/report", f"{base}/sections/{key}", action=f"{base}/sections/{key}", valid=valid)


def conflict_target(browser_factory, factory, db) -> Target:
    """The page comparing two colleagues' versions; a conflict is opened again whenever one is resolved."""
    resp = factory.response(factory.round(), factory.organisation(contacts=2))
    a, b = browser_factory(), browser_factory()
    start(a, factory, resp, 0)
    start(b, factory, resp, 1)
    clash(a, b, resp, "A's text", "B's text")
    section = f"/respond/{resp.id}/sections/commitment-1"
    saves = iter(range(10_000))

    def reopen() -> None:
        db.session.rollback()
        open_ = db.session.scalar(
            select(AnswerRevision.id)
            .join(Answer)
            .where(Answer.response_id == resp.id, AnswerRevision.outcome == "conflict")
        )
        db.session.rollback()
        if open_ is None:  # B saves over A's answer from the empty page again (revision 0)
            b.get(section)
            b.post(section, {"action": "later", "actions": f"B's text {next(saves)}", "rev__actions": "0"})

    url = f"/respond/{resp.id}/conflicts"
    return Target(b, url, url, valid={"choice": "merged", "merged": "Both texts"}, restore=reopen)


def sign_out_target(client, factory, db) -> Target:
    """The respondent's sign-out button; signed in again after each success."""
    resp = factory.response(factory.round(), factory.organisation())
    link = factory.invite(resp)
    client.get(link)
    page = f"/respond/{resp.id}/"

    def sign_in_again() -> None:
        if client.get(page).status_code != 200:
            client.get(link)

    return Target(client, page, "/respond/sign-out", action="/respond/sign-out", restore=sign_in_again)


def reopen_target(client, factory, db) -> Target:
    """The request to re-open a submitted report, on its confirmation page; the request is removed after each
    success so the form is offered again."""
    from survey.models import ReopenRequest, utcnow

    resp = factory.response(factory.round(), factory.organisation())
    link = factory.invite(resp)
    resp.status, resp.submitted_at = "submitted", utcnow()
    db.session.commit()
    client.get(link)
    url = f"/respond/{resp.id}/reopen-request"

    def withdraw() -> None:
        db.session.execute(sa_delete(ReopenRequest))
        db.session.commit()

    return Target(
        client, f"/respond/{resp.id}/confirmation", url, action=url, valid={"reason": "A reason"}, restore=withdraw
    )


def staff_target(client, lead, submitted, db, which: str) -> Target:
    """Staff log-in, log-out and the lead's re-tag button (a round with one submitted report)."""
    submitted.response()  # commits the round too: an open transaction here would lock SQLite for the server
    if which == "login":
        return Target(client, "/auth/login", "/auth/login", valid={"email": lead[0], "password": LEAD_PASSWORD})
    sign_in(client, *lead)

    def signed_in() -> None:
        if client.get("/manage/").status_code != 200:
            sign_in(client, *lead)

    page = f"/manage/rounds/{submitted.round.id}"
    url = "/auth/logout" if which == "logout" else f"{page}/retag"
    return Target(client, page, url, action=url, restore=signed_in)


RESPONDENT = [*SECTIONS, "background:later", "commitment-2:submitted", "check", "prefill", "prefill:later"]
STAFF = ["login", "logout", "retag"]
# Every form class of forms/, and the targets above that post it: a new form fails the test below until fuzzed.
COVERED = {
    forms.questionnaire.SectionForm: "every section of RESPONDENT",
    forms.respond.DeclarationForm: "check",
    forms.respond.PrefillForm: "prefill, prefill:later",
    forms.respond.ConflictForm: "conflict_target",
    forms.respond.SignOutForm: "sign_out_target",
    forms.respond.ReopenRequestForm: "reopen_target",
    forms.auth.LoginForm: "login",
    forms.auth.LogoutForm: "logout",
    forms.manage.RetagForm: "retag",
    forms.auth.CodeForm: "test_fuzz_staff: two-factor code",
    forms.auth.ResetRequestForm: "test_fuzz_staff: reset request",
    forms.auth.NewPasswordForm: "test_fuzz_staff: new password",
    forms.auth.ButtonForm: "test_fuzz_staff: recovery codes button",
    forms.users.NewUserForm: "test_fuzz_staff: new account",
    forms.users.RoleForm: "test_fuzz_staff: role",
    forms.organisations.OrganisationForm: "test_fuzz_staff: organisation",
    forms.organisations.ContactForm: "test_fuzz_staff: contact",
    forms.organisations.ImportForm: "test_fuzz_staff: import",
    forms.rounds.RoundSettingsForm: "test_fuzz_staff: round settings",
    forms.rounds.NewRoundForm: "test_fuzz_staff: new round",
    forms.rounds.ReopenForm: "test_fuzz_staff: reopen",
}


def test_every_form_of_the_app_is_fuzzed(factory):
    defined = {
        obj
        for module in (
            forms.auth,
            forms.manage,
            forms.questionnaire,
            forms.respond,
            forms.users,
            forms.organisations,
            forms.rounds,
        )
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, FlaskForm) and obj.__module__ == module.__name__
    }
    assert defined == set(COVERED)
    resp = factory.response(factory.round(), factory.organisation())
    assert [s.key for s in responses.questionnaire_for(resp).sections] == SECTIONS  # each section is a target


@pytest.mark.parametrize("key", RESPONDENT)
def test_respondent_forms_never_answer_malformed_input_with_a_server_error(client, factory, db, key):
    assert_no_server_errors(respondent_target(client, factory, db, key))


def test_conflict_form_never_answers_malformed_input_with_a_server_error(browser_factory, factory, db):
    assert_no_server_errors(conflict_target(browser_factory, factory, db))


def test_sign_out_never_answers_malformed_input_with_a_server_error(client, factory, db):
    assert_no_server_errors(sign_out_target(client, factory, db))


def test_reopen_request_never_answers_malformed_input_with_a_server_error(client, factory, db):
    assert_no_server_errors(reopen_target(client, factory, db))


@pytest.mark.parametrize("which", STAFF)
def test_staff_forms_never_answer_malformed_input_with_a_server_error(client, lead, submitted, db, which):
    assert_no_server_errors(staff_target(client, lead, submitted, db, which))


# The known cases of the probe, each on its own.


@pytest.fixture()
def started(client, factory, db):
    """A signed-in respondent on a fresh first report; returns (client, response)."""
    resp = factory.response(factory.round(), factory.organisation())
    start(client, factory, resp)
    return client, resp


@pytest.mark.parametrize("revision", ["abc", str(10**40), "-1", "1.5", "\u0661", " 1"])
def test_a_forged_revision_is_a_bad_request(started, db, revision):
    client, resp = started
    url = f"/respond/{resp.id}/sections/commitment-1"
    client.get(url)
    r = client.post(url, {"action": "later", "actions": "x", "rev__actions": revision})
    assert r.status_code == 400
    assert db.session.scalar(select(Answer).where(Answer.response_id == resp.id)) is None


@pytest.mark.parametrize("revision", ["abc", str(10**40), "-1"])
def test_a_forged_seen_revision_is_a_bad_request(browser_factory, factory, db, revision):
    resp = factory.response(factory.round(), factory.organisation(contacts=2))
    a, b = browser_factory(), browser_factory()
    start(a, factory, resp, 0)
    start(b, factory, resp, 1)
    clash(a, b, resp, "A", "B")
    r = b.post(f"/respond/{resp.id}/conflicts", {"choice": "mine", "seen_revision": revision})
    assert r.status_code == 400
    assert db.session.scalar(select(AnswerRevision.id).where(AnswerRevision.outcome == "conflict")) is not None


def test_a_section_saved_without_a_field_keeps_going(started, db):
    client, resp = started
    url = f"/respond/{resp.id}/sections/about"
    client.get(url)
    data = answers_for("about")
    del data["respondent_email"]
    r = client.post(url, data | {"action": "continue"})
    assert r.status_code == 200 and "Enter an answer to “Your email address”" in r.text


def test_pre_fill_without_an_earlier_report_says_so(started, db):
    client, resp = started
    url = f"/respond/{resp.id}/sections/commitment-3"
    client.get(url)
    r = client.post(f"{url}/prefill", {})
    assert r.status_code == 302 and r.headers["location"] == url
    assert "There is no earlier submitted report to start from" in client.get(url).text


def test_a_file_in_a_text_field_is_a_bad_request(started, db):
    client, resp = started
    url = f"/respond/{resp.id}/sections/commitment-1"
    client.get(url)
    r = client.http.post(
        url,
        data={"action": "later", "csrf_token": client.last_token},
        files={"actions": ("actions.txt", b"text", "text/plain")},
    )
    assert r.status_code == 400 and "file" in r.text
    assert db.session.scalar(select(Answer).where(Answer.response_id == resp.id)) is None


def test_a_json_body_is_a_bad_request(started, db):
    client, resp = started
    url = f"/respond/{resp.id}/sections/commitment-1"
    client.get(url)
    r = client.http.post(
        url, content=json.dumps({"action": "later", "actions": 5}), headers=json_headers(client.last_token)
    )
    assert r.status_code == 400


def test_a_nul_byte_in_the_sign_in_email_is_dropped(client, lead):
    client.get("/auth/login")
    r = client.post("/auth/login", {"email": lead[0].replace("@", "\x00@"), "password": lead[1]})
    assert r.status_code == 302  # the same address once the NUL is gone (PostgreSQL refuses NUL in text)


def test_a_conflict_on_a_choice_question_shows_its_page(browser_factory, factory, db):
    resp = factory.response(factory.round(), factory.organisation(contacts=2))
    a, b = browser_factory(), browser_factory()
    start(a, factory, resp, 0)
    start(b, factory, resp, 1)
    url = f"/respond/{resp.id}/sections/commitment-2"
    a.get(url)
    b.get(url)
    a.post(url, {"action": "later", "measures": ["cto"]})
    r = b.post(url, {"action": "later", "measures": ["mha_detentions", "cto"]})
    assert r.headers["location"] == f"/respond/{resp.id}/conflicts"
    page = b.get(r.headers["location"])
    assert page.status_code == 200 and "Community treatment orders" in page.text
    assert 'name="merged"' not in page.text  # a list of choices cannot be merged as text
