"""The review workspace's pages in real Chromium, with and without JavaScript: the staff home, browsing with
filters (and a bad filter), agreement, exports, the whole report and the staff error pages; every one passes axe."""

from __future__ import annotations

import re

import pytest

from tests.answers import submit_report
from tests.browser.test_journey_browser import follow, submit
from tests.review_data import PASSWORD, seed_round
from tests.staff_login import signed_in_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_reviewer_browses_filters_and_reads_agreement_and_exports(
    new_page, browser_factory, factory, db, axe, javascript
):
    # axe-core runs in the page, so it checks the JavaScript run; the other run shows every step works without it.
    check = axe if javascript else (lambda page: None)
    seeded = seed_round(4, commitments=2)
    submit_report(browser_factory(), factory, factory.round(number=2), "Fenbridge NHS Foundation Trust")
    page = signed_in_page(
        new_page, browser_factory(), "reviewer1.1@pledge.example", PASSWORD, java_script_enabled=javascript
    )
    page.goto("/review/")
    assert page.get_by_role("heading", level=1).inner_text() == "Your review work"
    check(page)

    # Rounds newest first: the seeded round 1 is the second on the page.
    page.get_by_role("link", name=re.compile(r"^Commitment 2\b")).last.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Answers"
    assert page.get_by_label("Review status", exact=True).input_value() == "unreviewed"
    check(page)
    page.get_by_label("Theme", exact=True).select_option("workforce")
    page.get_by_label("Search the answers").fill("training")
    submit(page, "Apply filters")
    assert "theme=workforce" in page.url and "q=training" in page.url
    cards = page.locator(".nhsuk-card")
    assert cards.count() > 0
    assert all("training" in t.lower() for t in cards.locator(".app-excerpt").all_inner_texts())
    check(page)

    page.goto(f"/review/rounds/{seeded.round_id}/answers?theme=nonsense")
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    check(page)

    page.goto("/review/")
    page.get_by_role("link", name=re.compile(r"^Agreement\s+in Round 1$")).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Agreement"
    check(page)
    page.goto("/review/")
    page.get_by_role("link", name=re.compile(r"^Exports\s+of Round 1$")).click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Project (REFI-QDA .qdpx)").is_visible()
    check(page)

    page.goto(f"/review/rounds/{seeded.round_id}/answers")
    page.get_by_role("link", name="Whole report").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Commitment 1", exact=False).first.is_visible()
    check(page)

    for path, heading in (("/manage/", "You cannot do this"), ("/review/rounds/99999/agreement", "Page not found")):
        page.goto(path)
        assert page.get_by_role("heading", level=1).inner_text() == heading
        follow(page, "Go to your staff home")
        page.go_back()
        check(page)
