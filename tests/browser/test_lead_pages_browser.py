"""The lead's account, organisation, import, round and audit pages in real Chromium: each passes axe, error states
and the import preview included, and each works by plain form posts (no JavaScript needed)."""

from __future__ import annotations

import pyotp
import pytest

from survey.models import utcnow
from survey.services import resets, responses, staff, twofactor
from tests.browser.test_journey_browser import follow, submit
from tests.staff_login import unspent_code

pytestmark = pytest.mark.browser
PASSWORD = "a long lead password for the browser"
HEADER = b"Organisation,Type,Region,Contact name,Contact role,Contact email\r\n"
GOOD = HEADER + b"Fenbridge Trust,Council,Kent,Ada Obi,Chair,ada@fen.example\r\n"
BAD = HEADER + b"Fenbridge Trust,Hospital,Kent,Ada Obi,Chair,ada@\r\n"
# 150 rows, the last with a problem: a preview of two pages, the problem on the first.
MANY = (
    HEADER
    + b"".join(f"Trust {i},Council,Kent,Person {i},,p{i}@t.example\r\n".encode() for i in range(149))
    + BAD[len(HEADER) :]
)


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def sign_in_as_lead(page, axe, secret: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("Email address").fill("lead@pledge.example")
    page.get_by_label("Password").fill("not the password")
    submit(page, "Sign in")
    assert "The email address or password is not right" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, "Sign in")
    assert heading(page) == "Enter your security code"
    axe(page)
    page.get_by_label("Security code").fill("12345")
    submit(page, "Continue")
    assert "The code is not right" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page)
    page.get_by_label("Security code").fill(unspent_code(secret, None))
    submit(page, "Continue")
    assert heading(page) == "Your review work"  # the staff home
    axe(page)
    follow(page, "Rounds")
    assert heading(page) == "Reporting rounds"


def test_the_lead_pages_pass_axe_with_their_error_states(page, factory, db, axe, tmp_path):
    secret = pyotp.random_base32()
    twofactor.enrol_with_secret(
        staff.create_user("lead@pledge.example", PASSWORD, role="lead", name="Pat Lead"), secret
    )
    staff.create_user("rev@pledge.example", PASSWORD, role="reviewer", name="Robin Reviewer")
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation("Ashcombe Council"))
    resp.status, resp.submitted_at = "submitted", utcnow()
    db.session.flush()
    responses.request_reopen(resp, resp.organisation.contacts[0].id, "Wrong year.")
    db.session.commit()
    sign_in_as_lead(page, axe, secret)

    follow(page, "Organisations")
    axe(page)
    follow(page, "Add an organisation")
    submit(page, "Save")
    assert page.locator(".nhsuk-error-summary").count() == 1
    axe(page)
    page.get_by_label("Name").fill("Westmoor Partnership")
    page.get_by_label("Health and care partnership").check()
    submit(page, "Save")
    assert heading(page) == "Westmoor Partnership"
    page.get_by_label("Email address").fill("not an address")
    submit(page, "Add the contact")
    assert page.locator(".nhsuk-error-summary").count() == 1
    axe(page)
    follow(page, "Change the name, type or region of Westmoor Partnership")
    axe(page)
    contact = resp.organisation.contacts[0]
    page.goto(f"/manage/organisations/{resp.organisation_id}/contacts/{contact.id}")
    assert heading(page) == f"Change {contact.name}"
    axe(page)

    page.goto("/manage/organisations/import")
    axe(page)
    (tmp_path / "bad.csv").write_bytes(BAD)
    (tmp_path / "good.csv").write_bytes(GOOD)
    (tmp_path / "fake.xlsx").write_bytes(b"%PDF-1.4 not a workbook")
    page.get_by_label("Upload a file").set_input_files(str(tmp_path / "fake.xlsx"))
    submit(page, "Upload and preview")
    assert "is a PDF, not a spreadsheet" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page)
    page.get_by_label("Upload a file").set_input_files(str(tmp_path / "bad.csv"))
    submit(page, "Upload and preview")
    assert "1 row has problems" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page)  # the preview with its problems
    (tmp_path / "many.csv").write_bytes(MANY)
    page.goto("/manage/organisations/import")
    page.get_by_label("Upload a file").set_input_files(str(tmp_path / "many.csv"))
    submit(page, "Upload and preview")
    assert "page 1 of 2" in page.locator("caption").inner_text()
    axe(page)  # a preview of many rows, a page of them with the links to the others
    follow(page, "Next")
    assert "page 2 of 2" in page.locator("caption").inner_text()
    axe(page)
    page.goto("/manage/organisations/import")
    page.get_by_label("Upload a file").set_input_files(str(tmp_path / "good.csv"))
    submit(page, "Upload and preview")
    assert heading(page) == "Check the import"
    axe(page)  # the preview, ready to import
    submit(page, "Import these rows")
    assert "Fenbridge Trust" in page.locator("table").inner_text()

    for link, title in (("Staff accounts", "Staff accounts"), ("Audit log", "Audit log"), ("Re-open requests", None)):
        follow(page, link)
        if title:
            assert heading(page) == title
        axe(page)
    follow(page, "Ashcombe Council")
    submit(page, "Re-open the report")
    assert page.locator(".nhsuk-error-summary").count() == 1
    axe(page)
    page.goto("/manage/users")
    submit(page, "Add the account")
    assert page.locator(".nhsuk-error-summary").count() == 1
    axe(page)
    follow(page, "Robin Reviewer")
    axe(page)
    page.goto("/manage/audit?since=not-a-date")
    assert page.locator(".nhsuk-error-summary").count() == 1
    axe(page)

    page.goto("/manage/rounds/new")
    axe(page)
    page.get_by_label("Name of the round").fill("")
    submit(page, "Create the round")
    assert page.locator(".nhsuk-error-summary").count() == 1
    axe(page)
    page.goto(f"/manage/rounds/{rnd.id}/settings")
    axe(page)
    page.goto("/auth/account")
    axe(page)
    submit(page, "Make new recovery codes")
    assert page.locator(".app-recovery-codes li").count() == 10
    axe(page)


def test_the_password_reset_pages_pass_axe(page, db, axe):
    token = resets.create_link(staff.create_user("rev@pledge.example", PASSWORD, role="reviewer", name="Rev"))
    db.session.commit()
    page.goto(f"/auth/reset/{token}")
    assert heading(page) == "Choose a new password"
    axe(page)
    page.get_by_label("New password", exact=True).fill(PASSWORD + "!")
    page.get_by_label("Type the new password again").fill(PASSWORD + "?")
    submit(page, "Change my password")
    assert "The two passwords are not the same" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page)
    page.goto("/auth/login")
    follow(page, "I have forgotten my password")
    axe(page)
    submit(page, "Send the link")
    assert page.locator(".nhsuk-error-summary").count() == 1
    axe(page)
    page.get_by_label("Email address").fill("someone@pledge.example")
    submit(page, "Send the link")
    assert heading(page) == "Check your e-mail"
    axe(page)
    page.goto("/auth/reset/not-a-real-token")
    assert heading(page) == "This link does not work"
    axe(page)
