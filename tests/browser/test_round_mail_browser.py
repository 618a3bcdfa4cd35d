"""The round's e-mail, tracking and export pages, the lost-link pages and the confirmation page with its receipts,
in real Chromium: each passes axe-core (WCAG 2.2 AA) with 0 violations, error states included, without JavaScript
doing any of the work."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.round_data import seed_round
from survey.services import staff
from tests.answers import submit_report
from tests.staff_login import sign_in
from tests.survey.conftest import LEAD_PASSWORD
from tests.survey.mail_server import smtp  # noqa: F401  (fixture: mail goes to an in-process SMTP server)

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/h18b-shots")


def _signed_in(page, browser_factory, db) -> None:
    """Sign a new lead in through the one sign-in helper, then hand its session cookie to the browser page."""
    email = staff.create_user("lead@pledge.example", LEAD_PASSWORD, role="lead", name="Pat Lead").email
    db.session.commit()
    page.goto("/")
    client = browser_factory()
    client.http.headers["User-Agent"] = page.evaluate("navigator.userAgent")  # the session is bound to it
    sign_in(client, email, LEAD_PASSWORD)
    host = urlsplit(page.url).hostname
    page.context.add_cookies(
        [{"name": c.name, "value": c.value, "domain": host, "path": "/"} for c in client.http.cookies.jar]
    )


def _look(page, axe, name: str) -> None:
    """Run axe and keep a full-page screenshot to look at (outside the repository)."""
    axe(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.usefixtures("smtp")
def test_the_lead_invites_tracks_and_downloads_with_every_page_accessible(page, browser_factory, db, axe):
    seeded = seed_round(16, answers_per_report=3)  # few: the invitations are sent inline, while the page waits
    _signed_in(page, browser_factory, db)
    page.goto(f"/manage/rounds/{seeded.round_id}/dashboard")
    assert page.locator("#response-rate").inner_text() == "4 of 16 submitted (25%)"
    _look(page, axe, "dashboard")
    page.get_by_label("State").select_option("in_progress")
    page.get_by_label("Organisation name or contact e-mail").fill("0000")
    page.get_by_role("button", name="Show organisations").click()
    assert page.locator("#table-count").inner_text() == "2 organisations match."
    page.get_by_role("link", name="Last activity").click()
    assert "sort=activity" in page.url
    _look(page, axe, "dashboard-filtered")

    page.goto(f"/manage/rounds/{seeded.round_id}/mail")
    page.get_by_role("button", name="Invite every contact not yet invited").click()
    assert "invitation(s) written to the outbox" in page.locator("[role=status]").inner_text()
    _look(page, axe, "mail")
    page.get_by_label("Days before the deadline to send reminders").fill("7, soon")
    page.get_by_label("Most reminders one contact receives").fill("11")
    page.get_by_role("button", name="Save reminder settings").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert "Enter days before the deadline as whole numbers" in page.locator(".nhsuk-error-summary").inner_text()
    _look(page, axe, "mail-errors")

    page.goto(f"/manage/rounds/{seeded.round_id}/exports")
    _look(page, axe, "exports")
    with page.expect_download() as download:
        page.locator("a[href$='answers-long.xlsx']").click()
    assert download.value.suggested_filename == "round-1-answers-long.xlsx"


@pytest.mark.usefixtures("smtp")
def test_lost_link_and_confirmation_pages_are_accessible(page, browser_factory, factory, db, axe):
    page.goto("/")
    assert page.get_by_role("button", name="Send me a link").is_visible()  # the start page asks too
    _look(page, axe, "home")
    page.get_by_role("link", name="ask for a new link by email").click()
    page.get_by_role("button", name="Send me a link").click()
    assert "Enter the email address your invitation was sent to" in page.locator(".nhsuk-error-summary").inner_text()
    _look(page, axe, "lost-link-error")
    page.get_by_label("Email address").fill("someone@trust.example")
    page.get_by_role("button", name="Send me a link").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    _look(page, axe, "lost-link-sent")

    rnd = factory.round()
    db.session.commit()
    respondent = browser_factory()
    resp = submit_report(respondent, factory, rnd)
    token = respondent.http.cookies.jar
    page.context.add_cookies(
        [{"name": c.name, "value": c.value, "domain": urlsplit(page.url).hostname, "path": "/"} for c in token]
    )
    page.goto(f"/respond/{resp.id}/confirmation")
    assert "p0.org1@trust.example (you)" in page.locator("#receipt-addresses").inner_text()
    _look(page, axe, "confirmation")
