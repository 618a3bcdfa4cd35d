"""Staff sign-in, `require_role("lead")`, the lead's re-tag button and job progress page, `users create-lead`."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select, update

from survey import jobs
from survey.models import Job, StaffSession, User, utcnow
from survey.services import staff, tagging
from tests.staff_login import sign_in

from_html = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def test_passwords_are_argon2id_hashes(lead, db):
    user = db.session.scalar(select(User))
    assert user.password_hash.startswith("$argon2id$")
    assert staff.authenticate("LEAD@pledge.example", lead[1]).id == user.id
    assert staff.authenticate(lead[0], "wrong password here") is None
    assert staff.authenticate("nobody@pledge.example", lead[1]) is None


def test_anonymous_is_sent_to_sign_in_and_cannot_retag(client, submitted, db):
    rnd = submitted.round
    r = client.get(f"/manage/rounds/{rnd.id}")
    assert r.status_code == 302 and r.headers["location"].startswith("/auth/login?next=")
    r = client.post(f"/manage/rounds/{rnd.id}/retag", {}, csrf=False)
    assert r.status_code in (302, 400)
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_wrong_password_is_refused(client, lead):
    r = sign_in(client, lead[0], "not the password")
    assert r.status_code == 401
    assert "The email address or password is not right" in r.text


def test_reviewer_may_not_open_lead_pages(client, submitted, db):
    staff.create_user("rev@pledge.example", "a long reviewer password", role="reviewer", name="Rev")
    db.session.commit()
    sign_in(client, "rev@pledge.example", "a long reviewer password")
    assert client.get(f"/manage/rounds/{submitted.round.id}").status_code == 403


def test_lead_retags_a_round_inline_and_sees_progress(client, lead, submitted, db):
    submitted.response()
    jobs.launch(tagging.TAG, "round", submitted.round.id)
    rnd = submitted.round
    r = sign_in(client, *lead, next_path=f"/manage/rounds/{rnd.id}")
    assert r.status_code == 302 and r.headers["location"] == f"/manage/rounds/{rnd.id}"
    page = client.get(f"/manage/rounds/{rnd.id}")
    assert page.status_code == 200
    assert "Re-tag this round" in page.text and "Starting codebook, version 1" in page.text
    assert re.search(r"Answers tagged\s*</dt>\s*<dd[^>]*>\s*4\s*</dd>", page.text)
    r = client.post(f"/manage/rounds/{rnd.id}/retag", {})
    assert r.status_code == 302 and r.headers["location"].startswith("/manage/jobs/")
    job = db.session.scalars(select(Job).where(Job.kind == "retag")).one()
    done = client.get(r.headers["location"])
    assert job.status == "finished"
    assert '<progress id="job-progress"' in done.text and 'value="4"' in done.text
    assert '<label class="nhsuk-label" for="job-progress">' in done.text
    assert "4 of 4 answers (100%): finished" in done.text
    assert 'http-equiv="refresh"' not in done.text  # a finished job's page stops refreshing


def test_duplicate_retag_joins_the_queued_job(client, lead, submitted, redis_url, db):
    submitted.response()
    sign_in(client, *lead)
    rnd = submitted.round
    client.get(f"/manage/rounds/{rnd.id}")
    first = client.post(f"/manage/rounds/{rnd.id}/retag", {})
    client.get(f"/manage/rounds/{rnd.id}")
    second = client.post(f"/manage/rounds/{rnd.id}/retag", {})
    assert first.headers["location"] == second.headers["location"]
    db.session.rollback()
    job = db.session.scalars(select(Job)).one()
    assert job.status == "queued" and len(job.params["rq_ids"]) == 1
    page = client.get(first.headers["location"])
    assert "already under way" in page.text
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert 'max="4" value="0"' in page.text and "0 of 4 answers (0%): queued" in page.text
    assert "<style" not in page.text and "style=" not in page.text


def test_sign_out(client, lead):
    sign_in(client, *lead)
    page = client.get("/manage/")
    assert page.status_code == 200 and "Sign out" in page.text
    r = client.post("/auth/logout", {})
    assert r.status_code == 302
    assert client.get("/manage/").status_code == 302


def test_a_replayed_cookie_opens_nothing_after_sign_out(browser_factory, lead, submitted, db):
    """Staff sessions are server-side: signing out revokes the session the cookie names."""
    submitted.response()
    rnd = submitted.round
    first = browser_factory()
    sign_in(first, *lead)
    page = first.get(f"/manage/rounds/{rnd.id}")
    assert page.status_code == 200
    stolen, token = httpx.Cookies(first.http.cookies), first.last_token
    first.post("/auth/logout", {})
    thief = browser_factory()
    thief.http.cookies = stolen
    thief.last_token = token
    assert thief.get("/manage/").status_code == 302
    assert thief.post(f"/manage/rounds/{rnd.id}/retag", {}).status_code in (302, 400)
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "retag")) == 0
    session = db.session.scalars(select(StaffSession)).one()
    assert session.revoked_at is not None and len(session.token_hash) == 64


def test_a_disabled_account_is_signed_out_at_once(client, lead, db):
    sign_in(client, *lead)
    assert client.get("/manage/").status_code == 200
    db.session.execute(update(User).values(disabled_at=utcnow()))
    db.session.commit()
    assert client.get("/manage/").status_code == 302


@pytest.mark.parametrize("role", ["lead", "reviewer"])
def test_staff_read_submitted_reports_but_not_drafts(client, submitted, factory, db, role):
    done = submitted.response()
    draft = factory.response(submitted.round, factory.organisation())
    staff.create_user("staff@pledge.example", "a long staff password", role=role, name="Sam Staff")
    db.session.commit()
    sign_in(client, "staff@pledge.example", "a long staff password")
    assert client.get(f"/manage/responses/{done.id}").status_code == 200
    refused = client.get(f"/manage/responses/{draft.id}")
    assert refused.status_code == 403 and "has not been submitted yet" in refused.text


def test_next_never_leaves_the_site(client, lead):
    r = sign_in(client, *lead, next_path="//evil.example/")
    assert r.headers["location"] == "/review/"  # the staff home


@pytest.mark.parametrize(
    ("stdin", "expect", "code"),
    [("a long enough password\n", "lead new@pledge.example created", 0), ("short\n", "at least 12", 1)],
)
def test_create_lead_command(app, db, stdin, expect, code):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-lead", "new@pledge.example", "--password-stdin"], input=stdin)
    assert result.exit_code == code and expect in result.output
    if code == 0:
        again = runner.invoke(args=["users", "create-lead", "new@pledge.example", "--password-stdin"], input=stdin)
        assert again.exit_code == 1 and "already an account" in again.output
        db.session.rollback()
        assert db.session.scalar(select(User.role).where(User.email == "new@pledge.example")) == "lead"


def test_signing_in_issues_a_fresh_csrf_token(client, lead):
    """A token handed out before sign-in (a page an attacker could have loaded) opens no form after it."""
    client.get("/auth/login")
    before = client.last_token
    assert sign_in(client, *lead).status_code == 302
    replayed = client.post("/auth/logout", {"csrf_token": before}, csrf=False)
    assert replayed.status_code == 400 and "csrf" in replayed.text.lower()
    page = client.get("/manage/")
    assert page.status_code == 200, "the replayed token signed the lead out"
    assert client.last_token != before
    assert client.post("/auth/logout", {}).status_code == 302
    assert client.get("/manage/").status_code == 302
