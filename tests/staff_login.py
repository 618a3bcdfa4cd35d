"""Signing staff in over HTTP: the one place tests do it, so a change to the log-in changes it once.

The whole log-in: the password, then a TOTP code made from the account's secret (read from the database), or, for an
account without two-factor yet, the set-up page (the secret read from the page, as a person types it into an app).
A code is accepted once only, so the helper uses the first time step the account has not spent yet (the server
accepts one step either side of now) and waits for the next step when all three are spent.
"""

from __future__ import annotations

import re
import time

import httpx
import pyotp
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import User
from survey.services.twofactor import DRIFT_STEPS, STEP_SECONDS, current_step

SECRET_ON_PAGE = re.compile(r'<code id="totp-secret">([A-Z2-7]+)</code>')


def unspent_code(secret: str, last_step: int | None) -> str:
    """A code of `secret` for a time step later than `last_step` that the server accepts now (waits if need be)."""
    while True:
        now = current_step()
        step = max(now - DRIFT_STEPS, (last_step if last_step is not None else -1) + 1)
        if step <= now + DRIFT_STEPS:
            return pyotp.TOTP(secret).at(step * STEP_SECONDS)
        time.sleep(STEP_SECONDS - time.time() % STEP_SECONDS + 0.05)


def _stored_secret(email: str) -> tuple[str, int | None]:
    """The account's TOTP secret and last spent step, read on a connection of its own (the test's session and its
    transaction are left alone)."""
    with db.engine.connect() as connection:
        row = connection.execute(
            select(User.totp_secret, User.totp_last_step).where(func.lower(User.email) == email.strip().lower())
        ).one()
    return row[0], row[1]


def sign_in(client: object, email: str, password: str, next_path: str = "") -> httpx.Response:
    """Sign a staff member in with `client` (a tests.conftest.Browser); returns the last POST's response (a
    redirect to where they were going once signed in, or the page that refused them)."""
    url = "/auth/login" + (f"?next={next_path}" if next_path else "")
    client.get(url)  # type: ignore[attr-defined]
    sent = client.post(url, {"email": email, "password": password})  # type: ignore[attr-defined]
    step = sent.headers.get("location", "")
    if sent.status_code != 302 or not step.startswith("/auth/two-factor"):
        return sent
    page = client.get(step)  # type: ignore[attr-defined]
    found = SECRET_ON_PAGE.search(page.text)
    secret, last = (found.group(1), None) if found else _stored_secret(email)
    return client.post(step, {"code": unspent_code(secret, last)})  # type: ignore[attr-defined]


def signed_in_page(new_page: object, client: object, email: str, password: str, **options: object) -> object:
    """A Chromium page (from the browser tests' `new_page`) carrying the staff session `sign_in` opened with the HTTP
    `client`; it shares the client's user agent, as the session is bound to it (Flask-Login's strong protection)."""
    sign_in(client, email, password)
    http = client.http  # type: ignore[attr-defined]
    page = new_page(user_agent=http.headers["User-Agent"], **options)  # type: ignore[operator]
    page.context.add_cookies(
        [
            {"name": c.name, "value": c.value, "domain": "127.0.0.1", "path": "/", "secure": bool(c.secure)}
            for c in http.cookies.jar
        ]
    )
    return page
