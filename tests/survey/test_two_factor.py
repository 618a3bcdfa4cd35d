"""Two-factor sign-in: set-up with a server-drawn QR code, codes accepted once, recovery codes, rate limits."""

from __future__ import annotations

import html
import re
import urllib.parse

import pyotp
import pytest
from sqlalchemy import func, select

from survey.models import AuditEvent, RecoveryCode, StaffSession, User
from survey.services import staff, twofactor
from tests.staff_login import unspent_code

PASSWORD = "a long staff password"


def password_step(client, email: str, password: str = PASSWORD):
    client.get("/auth/login")
    return client.post("/auth/login", {"email": email, "password": password})


def code_step(client, code: str, where: str = "/auth/two-factor"):
    client.get(where)  # the page's CSRF token: sign-in started a fresh session
    return client.post(where, {"code": code})


def test_first_sign_in_sets_up_two_factor_with_a_qr_code_and_ten_recovery_codes(client, db):
    staff.create_user("new@pledge.example", PASSWORD, role="reviewer", name="New Person")
    db.session.commit()
    r = password_step(client, "new@pledge.example")
    assert r.status_code == 302 and r.headers["location"] == "/auth/two-factor/set-up"
    assert client.get("/manage/").status_code == 302  # the password alone opens nothing
    page = client.get("/auth/two-factor/set-up")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]{32})</code>', page.text).group(1)
    qr = re.search(r'<img class="app-qr" src="data:image/svg\+xml;charset=utf-8,([^"]+)"', page.text).group(1)
    assert "<path" in urllib.parse.unquote(qr)  # a QR code drawn on the server, no script
    assert client.get("/auth/two-factor/set-up").text.count(secret) == 1  # the same secret until confirmed

    wrong = client.post("/auth/two-factor/set-up", {"code": "000000"})
    assert wrong.status_code == 401 and "The code is not right" in wrong.text
    done = client.post("/auth/two-factor/set-up", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.text)
    assert len(set(codes)) == 10
    download = re.search(
        r'href="data:text/plain;charset=utf-8,([^"]+)"\s+download="pledge-recovery-codes.txt"', done.text
    )
    as_text = urllib.parse.unquote(html.unescape(download.group(1)))
    assert as_text.startswith("Recovery codes for new@pledge.example") and as_text.split("\r\n")[3:13] == codes
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and all(len(h) == 64 and h not in codes for h in stored)  # only hashes are kept
    assert client.get("/manage/").status_code == 403  # signed in: a reviewer, so not the lead's rounds page
    assert client.get("/auth/account").status_code == 200
    user = db.session.scalar(select(User))
    assert user.totp_enrolled_at is not None and user.totp_secret == secret


def test_a_code_is_accepted_once_only(client, browser_factory, lead, db):
    secret = db.session.scalar(select(User.totp_secret))
    code = unspent_code(secret, None)
    password_step(client, lead[0], lead[1])
    assert code_step(client, code).headers["location"] == "/review/"  # the staff home
    thief = browser_factory()
    password_step(thief, lead[0], lead[1])
    replay = code_step(thief, code)
    assert replay.status_code == 401 and "used already" in replay.text
    assert thief.get("/manage/").status_code == 302
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["user.signed_in", "user.two_factor_failed"]


def test_a_recovery_code_signs_in_once(client, browser_factory, lead, db):
    user = db.session.scalar(select(User))
    codes = twofactor.new_recovery_codes(user)
    db.session.commit()
    password_step(client, lead[0], lead[1])
    r = code_step(client, codes[3].upper().replace("-", " "))  # as a person might type it
    assert r.status_code == 302
    assert "You used a recovery code: 9 left" in client.get("/manage/").text
    again = browser_factory()
    password_step(again, lead[0], lead[1])
    assert code_step(again, codes[3]).status_code == 401


def test_the_code_step_expires_and_cannot_be_skipped(client, lead, db):
    assert client.get("/auth/two-factor").headers["location"] == "/auth/login"  # no password given
    password_step(client, lead[0], lead[1])
    assert client.get("/auth/two-factor/set-up").headers["location"] == "/auth/login"  # already set up: no new secret
    assert client.get("/manage/").status_code == 302


def test_a_wrong_email_and_a_wrong_password_get_the_same_answer(client, lead, db):
    unknown = password_step(client, "nobody@pledge.example", lead[1])
    wrong = password_step(client, lead[0], "not the password at all")
    assert unknown.status_code == wrong.status_code == 401

    def message(page):
        return re.findall(r'<span class="nhsuk-error-message"[^>]*>(.*?)</span>\s*<input', page.text, re.S)

    assert message(unknown) == message(wrong) and "The email address or password is not right" in wrong.text
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.sign_in_failed")).all()
    assert [e.details["email"] for e in failed] == ["nobody@pledge.example", lead[0]]
    assert failed[1].target_id == db.session.scalar(select(User.id)) and failed[0].target_id is None


def test_failed_sign_ins_are_limited_per_account(client, browser_factory, lead, reviewer, db):
    for _ in range(10):
        assert password_step(client, lead[0], "not the password at all").status_code == 401
    locked = password_step(browser_factory(), lead[0], lead[1])  # even the right password, from anywhere
    assert locked.status_code == 429 and "too many attempts to sign in to this account" in locked.text
    assert password_step(client, reviewer[0], reviewer[1]).status_code == 302  # another account is not locked


def test_failed_sign_ins_are_limited_per_address(client, lead, db):
    for i in range(50):
        assert password_step(client, f"guess{i}@pledge.example", "not the password").status_code == 401
    assert password_step(client, lead[0], lead[1]).status_code == 429


def test_wrong_codes_count_against_the_account(client, lead, db):
    password_step(client, lead[0], lead[1])
    for _ in range(10):
        assert code_step(client, "12345").status_code == 401  # five digits: never a code
    assert code_step(client, "12345").status_code == 429


def test_sign_out_everywhere_ends_every_session(browser_factory, lead, db):
    from tests.staff_login import sign_in

    laptop, phone = browser_factory(), browser_factory()
    sign_in(laptop, *lead)
    sign_in(phone, *lead)
    page = laptop.get("/auth/account")
    assert page.text.count("Another browser or device") == 1 and "This browser" in page.text
    r = laptop.post("/auth/sign-out-everywhere", {})
    assert r.headers["location"] == "/auth/login"
    assert laptop.get("/manage/").status_code == phone.get("/manage/").status_code == 302
    assert db.session.scalar(select(func.count()).where(StaffSession.revoked_at.is_(None))) == 0


def test_an_idle_session_ends(client, lead, db):
    from tests.staff_login import sign_in

    sign_in(client, *lead)
    assert client.get("/manage/").status_code == 200
    row = db.session.scalar(select(StaffSession))
    row.expires_at = row.last_seen_at
    db.session.commit()
    assert client.get("/manage/").status_code == 302


@pytest.mark.parametrize("where", ["/auth/two-factor", "/auth/two-factor/set-up"])
def test_the_code_pages_refuse_a_forged_post(client, lead, where):
    password_step(client, lead[0], lead[1])
    client.get(where)
    assert client.post(where, {"code": "123456"}, csrf=False).status_code == 400
