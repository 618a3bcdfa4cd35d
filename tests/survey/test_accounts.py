"""Password reset by e-mail over real SMTP, the lead's staff-accounts pages, and the rate limiter's Redis storage."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from survey.models import AuditEvent, PasswordReset, StaffSession, User, utcnow
from tests.staff_login import sign_in

ROOT = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "a brand new long password"


def reset_link(inbox, address: str) -> str:
    (message,) = inbox.to(address)
    return re.search(r"https?://\S+/auth/reset/(\S+)", message.get_content()).group(0).split("/auth", 1)[1]


def ask_for_reset(client, email: str):
    client.get("/auth/reset")
    return client.post("/auth/reset", {"email": email})


def test_a_password_reset_link_works_once_and_ends_every_session(client, browser_factory, lead, smtp, db):  # noqa: F811
    elsewhere = browser_factory()
    sign_in(elsewhere, *lead)
    sent = ask_for_reset(client, lead[0])
    assert sent.status_code == 200 and "a link to reset its password is on its way" in sent.text
    path = "/auth" + reset_link(smtp, lead[0])
    assert smtp.messages[0]["Subject"] == "Reset your password for pledge progress reporting"
    page = client.get(path)
    assert page.status_code == 200 and "Choose a new password" in page.text
    mismatch = client.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 400 and "The two passwords are not the same" in mismatch.text
    done = client.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["location"] == "/auth/login"
    assert elsewhere.get("/manage/").status_code == 302  # the old sessions ended
    used = client.get(path)
    assert used.status_code == 410 and "has been used already" in used.text
    assert sign_in(client, lead[0], NEW_PASSWORD).headers["location"] == "/review/"  # the staff home
    assert sign_in(browser_factory(), *lead).status_code == 401  # the old password no longer works


def test_an_expired_or_unknown_link_says_so(client, lead, smtp, db):  # noqa: F811
    ask_for_reset(client, lead[0])
    path = "/auth" + reset_link(smtp, lead[0])
    db.session.execute(PasswordReset.__table__.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = client.get(path)
    assert expired.status_code == 410 and "This link has expired" in expired.text
    assert "This link is not right" in client.get("/auth/reset/not-a-real-token").text


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, lead, smtp, db):  # noqa: F811
    unknown = ask_for_reset(client, "nobody@pledge.example")
    known = ask_for_reset(client, lead[0])
    strip = re.compile(r'value="[^"]+"|nonce="[^"]+"|[\w.]+@pledge\.example')
    assert strip.sub("", unknown.text) == strip.sub("", known.text)
    assert [m["To"] for m in smtp.messages] == [lead[0]]


def test_a_newer_link_replaces_the_older_one(client, lead, smtp, db):  # noqa: F811
    ask_for_reset(client, lead[0])
    ask_for_reset(client, lead[0])
    first, second = (
        re.search(r"/auth/reset/(\S+)", m.get_content()).group(0) for m in smtp.to(lead[0])
    )  # fmt: skip
    assert client.get(first).status_code == 410 and client.get(second).status_code == 200


def test_the_lead_adds_an_account_who_chooses_a_password_by_email(client, browser_factory, lead, smtp, db):  # noqa: F811
    sign_in(client, *lead)
    client.get("/manage/users")
    bad = client.post("/manage/users", {"name": "Ali", "email": "not an address", "role": "reviewer"})
    assert bad.status_code == 400 and "There is a problem" in bad.text
    r = client.post("/manage/users", {"name": "Ali Khan", "email": "ali@pledge.example", "role": "reviewer"})
    assert r.status_code == 302
    (message,) = smtp.to("ali@pledge.example")
    assert "An account has been made for you as reviewer" in message.get_content()
    newcomer = browser_factory()
    path = "/auth" + reset_link(smtp, "ali@pledge.example")
    newcomer.get(path)
    assert newcomer.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert sign_in(newcomer, "ali@pledge.example", NEW_PASSWORD).status_code == 200  # set-up, then codes shown
    assert newcomer.get("/manage/users").status_code == 403  # a reviewer manages no accounts
    ali = db.session.scalar(select(User.id).where(User.email == "ali@pledge.example"))
    created = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.created", AuditEvent.target_id == ali)
    )
    assert created.actor_id == db.session.scalar(select(User.id).where(User.email == lead[0]))


def test_the_lead_changes_roles_revokes_sessions_and_disables(client, browser_factory, lead, reviewer, db):
    sign_in(client, *lead)
    other = browser_factory()
    sign_in(other, *reviewer)
    rid = db.session.scalar(select(User.id).where(User.email == reviewer[0]))
    page = client.get(f"/manage/users/{rid}")
    assert "End this session" in page.text
    session_id = db.session.scalar(select(StaffSession.id).where(StaffSession.user_id == rid))
    client.post(f"/manage/users/{rid}/sessions/{session_id}/revoke", {})
    assert other.get("/review/").status_code in (302, 404) and other.get("/auth/account").status_code == 302
    client.get(f"/manage/users/{rid}")
    client.post(f"/manage/users/{rid}/role", {"role": "lead"})
    db.session.expire_all()
    assert db.session.get(User, rid).role == "lead"
    changed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
    assert changed.details == {"old": "reviewer", "new": "lead"}
    client.get(f"/manage/users/{rid}")
    client.post(f"/manage/users/{rid}/disable", {})
    assert sign_in(browser_factory(), *reviewer).status_code == 401
    lead_id = db.session.scalar(select(User.id).where(User.email == lead[0]))
    client.post(f"/manage/users/{rid}/disable", {})  # enabled again
    client.post(f"/manage/users/{rid}/role", {"role": "reviewer"})
    client.get(f"/manage/users/{lead_id}")
    refused = client.post(f"/manage/users/{lead_id}/role", {"role": "reviewer"})
    assert "This is the only lead" in client.get(refused.headers["location"]).text
    assert db.session.scalar(select(func.count()).where(User.role == "lead")) == 1


def test_the_limiter_keeps_its_counts_in_redis_when_redis_url_is_set(redis_url, tmp_path):
    """A separate process (the limiter's storage is chosen once per app): 10 failures, then 429, counted in Redis."""
    script = f"""
import sys
from survey import create_app
from survey.extensions import db, limiter
from survey.models import Base
app = create_app({{"TESTING": True, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path}/l.db",
    "BASE_URL": "http://localhost", "REDIS_URL": "{redis_url}", "PROXY_HOPS": 0, "WTF_CSRF_ENABLED": False}})
with app.app_context():
    Base.metadata.create_all(db.engine)
client = app.test_client()
form = {{"email": "a@b.example", "password": "p" * 12}}
codes = [client.post("/auth/login", data=form).status_code for _ in range(11)]
print(type(limiter.storage).__name__, codes)
"""
    env = {**os.environ, "FLASK_SKIP_DOTENV": "1"}
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() == "RedisStorage " + str([401] * 10 + [429])
    from redis import Redis

    assert any(b"signin-account" in key for key in Redis.from_url(redis_url).keys("*"))


def test_a_refused_message_changes_nothing_the_person_sees_and_is_logged(client, lead, smtp_refusing, db, caplog):
    known = ask_for_reset(client, lead[0])
    assert known.status_code == 200 and "a link to reset its password is on its way" in known.text
    assert smtp_refusing.refused == [lead[0]] and smtp_refusing.messages == []
    assert "the reset link for user" in caplog.text and "did not take the message" in caplog.text


def test_the_lead_is_told_when_a_new_account_e_mail_was_refused(client, lead, smtp_refusing, db):
    sign_in(client, *lead)
    client.get("/manage/users")
    r = client.post("/manage/users", {"name": "Ali Khan", "email": "ali@pledge.example", "role": "reviewer"})
    assert "The e-mail with their link could not be sent" in client.get(r.headers["location"]).text


def test_a_reset_token_never_reaches_the_log():
    from survey.logs import redact

    assert redact('"GET /auth/reset/abc_DEF-123 HTTP/1.1" 200') == '"GET /auth/reset/[token] HTTP/1.1" 200'
