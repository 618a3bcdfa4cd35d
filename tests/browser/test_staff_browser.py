"""The staff pages in real Chromium: sign in, rounds, a coded report, a re-tag job; every page passes axe."""

from __future__ import annotations

import re

import pyotp
import pytest

from survey.services import staff
from tests.answers import submit_report
from tests.browser.test_journey_browser import follow, submit
from tests.survey.test_coded_report import CARERS

pytestmark = pytest.mark.browser
PASSWORD = "a long staff password for the browser test"


def test_lead_reviews_a_coded_report_and_retags_the_round(page, browser_factory, factory, db, axe):
    rnd = factory.round()
    submit_report(browser_factory(), factory, rnd, "Fenbridge NHS Foundation Trust", CARERS)
    staff.create_user("lead@pledge.example", PASSWORD, role="lead", name="Pat Lead")
    db.session.commit()

    page.goto("/manage/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    axe(page)
    page.get_by_label("Email address").fill("lead@pledge.example")
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, "Sign in")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor sign-in"
    axe(page)
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Security code").fill("000000")
    submit(page, "Confirm and continue")
    assert "The code is not right" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page)  # the error state
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).now())
    submit(page, "Confirm and continue")
    assert page.get_by_role("heading", level=1).inner_text() == "Your recovery codes"
    assert page.locator(".app-recovery-codes li").count() == 10
    axe(page)
    follow(page, "I have kept them: continue")
    assert page.get_by_role("heading", level=1).inner_text() == "Reporting rounds"
    axe(page)

    follow(page, rnd.name)
    # The round page counts the codes per theme at each level of evidence.
    levels = page.locator("table", has=page.get_by_text("Possible (weak evidence)"))
    assert levels.locator("tr", has_text="Investment in the VCSE sector").locator("td").all_inner_texts() == ["0", "1"]
    axe(page)
    follow(page, "Fenbridge NHS Foundation Trust")
    assert page.get_by_role("heading", level=1).inner_text() == "Fenbridge NHS Foundation Trust"
    # Each evidence sentence is followed by its themes' numbers in the answer's list of themes.
    card = page.locator(".nhsuk-card", has=page.locator("mark", has_text="unpaid carers"))
    numbered = {
        item.locator(".nhsuk-tag").inner_text(): item.locator(".app-theme-ref").inner_text()
        for item in card.locator(".app-theme-item").all()
    }
    strong = card.locator("mark.app-evidence--proposed", has_text=re.compile("^We co-produced the plan"))
    refs = strong.locator("xpath=following-sibling::sup[1]").inner_text().split(",")
    assert numbered["Carers and families"] in refs
    # Weak evidence is marked differently: a dashed underline, not a highlight.
    weak = card.locator("mark.app-evidence--possible", has_text="Local charities received funding")
    assert weak.evaluate("m => getComputedStyle(m).textDecorationStyle") == "dashed"
    assert card.get_by_role("heading", name="Possible themes (weak evidence)").is_visible()
    axe(page)

    page.go_back()
    submit(page, "Re-tag this round")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Re-tagging")
    axe(page)
