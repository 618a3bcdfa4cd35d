"""The codebook editor, its preview and the double-coding pages in real Chromium: each passes axe, error states
included."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.models import AnswerReview, Code, CodeDecision
from survey.models.review import DoubleCoding
from survey.services import staff
from tests.browser.test_journey_browser import follow
from tests.staff_login import signed_in_page
from tests.survey.conftest import LEAD_PASSWORD, lead, submitted  # noqa: F401  (fixtures)
from tests.survey.review_data import coded_answers

pytestmark = pytest.mark.browser


def _press(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def test_codebook_editor_pages_pass_axe(new_page, client, submitted, lead, db, axe):  # noqa: F811
    answers = coded_answers(submitted)
    page = signed_in_page(new_page, client, *lead)
    page.goto("/review/codebook")
    axe(page)
    page.locator("#add-name").fill("Faith groups")
    page.get_by_label("Phrases, one per line").fill("faith groups")
    _press(page, "Add theme")
    page.locator("#add-name").fill("faith GROUPS")
    page.get_by_label("Phrases, one per line").fill("faith")
    _press(page, "Add theme")
    assert "There is already a theme named" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page)
    page.goto("/review/codebook/themes/faith_groups")
    page.get_by_label("Patterns, one per line").fill('[{"LOWER": "faith"')
    _press(page, "Save theme")
    assert "does not parse" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page)
    page.goto("/review/codebook")
    page.get_by_label("Round to preview against").select_option(str(answers[0].response.round_id))
    _press(page, "Preview")
    assert page.get_by_role("heading", level=1).inner_text() == "Preview of the draft codebook"
    assert "Faith groups" in page.locator("table").inner_text()
    axe(page)


def test_double_coding_pages_pass_axe(new_page, client, submitted, lead, db, axe):  # noqa: F811
    coded_answers(submitted)
    staff.create_user("robin@pledge.example", LEAD_PASSWORD, role="reviewer", name="Robin Reviewer")
    staff.create_user("sam@pledge.example", LEAD_PASSWORD, role="reviewer", name="Sam Second")
    db.session.commit()
    round_id = submitted.round.id
    page = signed_in_page(new_page, client, *lead)
    page.goto(f"/review/rounds/{round_id}/double-coding")
    axe(page)
    page.get_by_label("First reviewer").select_option(label="Robin Reviewer")
    page.get_by_label("Second reviewer").select_option(label="Robin Reviewer")
    page.get_by_label("How many answers").fill("2")
    _press(page, "Assign the sample")
    assert "Choose two different reviewers" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page)
    page.get_by_label("Second reviewer").select_option(label="Sam Second")
    _press(page, "Assign the sample")
    assert page.locator("tbody tr").count() == 2
    axe(page)

    # Both finish the first answer, disagreeing on one theme: the lead's resolve page, and its error state.
    coding = db.session.scalars(select(DoubleCoding).order_by(DoubleCoding.answer_id)).first()
    code = db.session.scalars(select(Code).where(Code.answer_id == coding.answer_id)).first()
    for who, decision in ((coding.first_reviewer_id, "accepted"), (coding.second_reviewer_id, "rejected")):
        db.session.add_all(
            [
                AnswerReview(answer_id=coding.answer_id, reviewer_id=who),
                CodeDecision(code_id=code.id, reviewer_id=who, decision=decision),
            ]
        )
    db.session.commit()
    page.reload()
    follow(page, f"Compare and resolve answer {coding.answer_id}")
    assert page.get_by_role("heading", level=1).inner_text() == "Resolve a double-coded answer"
    axe(page)
    _press(page, "Resolve this answer")
    assert "Choose accept or reject for every theme" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page)
