"""The suggester panel and the emergent themes in real Chromium: the lead trains the suggester from the round's
page, reads its figures and opens an emergent phrase's examples; every page passes axe."""

from __future__ import annotations

import pytest

from survey.services import staff
from tests.browser.test_journey_browser import follow, submit
from tests.staff_login import signed_in_page
from tests.survey.reviewed_answers import reviewed_rounds

pytestmark = pytest.mark.browser
PASSWORD = "a long staff password for the browser test"


def test_lead_trains_the_suggester_and_reads_the_emergent_themes(new_page, client, factory, db, axe):
    staff.create_user("lead@pledge.example", PASSWORD, role="lead", name="Pat Lead")
    staff.create_user("reviewer@pledge.example", PASSWORD, role="reviewer", name="Robin Reviewer")
    db.session.commit()
    first, second = reviewed_rounds(factory, reviewed=10, unreviewed=4)

    page = signed_in_page(new_page, client, "lead@pledge.example", PASSWORD)
    page.goto(f"/manage/rounds/{first.id}")
    follow(page, "Suggester: themes learnt from the review")
    assert page.get_by_role("heading", level=1).inner_text() == "Suggester"
    axe(page)
    submit(page, "Train the suggester")
    assert "Training has started." in page.content()
    overall = page.locator("#suggester-overall")
    assert overall.get_by_role("row", name="Suggester").count() == 1
    assert page.locator("#suggester-themes tbody tr").count() == 20
    axe(page)

    page.goto(f"/manage/rounds/{second.id}")
    follow(page, "Emergent themes: phrases no theme covers")
    assert page.get_by_role("heading", level=1).inner_text() == "Emergent themes"
    first_phrase = page.locator("#emergent-phrases summary").first
    first_phrase.click()
    example = page.locator("#emergent-phrases details[open] li a").first
    assert example.is_visible()
    axe(page)
    with page.expect_navigation():
        example.click()
    assert "#answer-" in page.url
    assert page.locator(page.url[page.url.index("#") :]).is_visible()
