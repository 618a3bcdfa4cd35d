"""The review page in real Chromium: a reviewer works through ten answers with the keyboard alone, and every
review page (its error states too) passes axe."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey.models import AnswerReview, Code
from tests.staff_login import signed_in_page
from tests.survey.conftest import reviewer, submitted  # noqa: F401  (fixtures)
from tests.survey.review_data import coded_answers

pytestmark = pytest.mark.browser

TEXT = "Answer {}: we co-produced services with carers and families."
TEN_AND_ONE = tuple(
    (
        TEXT.format(i),
        [
            ("community_partnership", "proposed", 0.9, ["co-produced services"]),
            ("carers_families", "possible", 0.4, ["carers and families"]),
        ],
    )
    for i in range(11)
)


def press(page, key):
    """Press a key that leads to another page, and wait for it."""
    with page.expect_navigation():
        page.keyboard.press(key)


def test_a_reviewer_reviews_ten_answers_with_the_keyboard(new_page, client, submitted, reviewer, db, axe):  # noqa: F811
    answers = coded_answers(submitted, TEN_AND_ONE)
    page = signed_in_page(new_page, client, *reviewer)
    page.goto(f"/review/answers/{answers[0].id}?commitment=1")
    assert page.get_by_role("heading", level=1).inner_text() == "Review an answer"
    axe(page)
    page.keyboard.press("?")
    assert page.locator("#keys").get_attribute("open") is not None
    page.keyboard.press("Escape")

    for number, answer in enumerate(answers[:10], start=1):
        assert f"/review/answers/{answer.id}?" in page.url
        assert f"Answer {number - 1}:" in page.locator("#answer-text").inner_text()
        press(page, "a")  # accepts the first undecided theme
        press(page, "2")  # toggles theme 2: accepted
        press(page, "x")  # rejects the chosen theme (2)
        if number == 5:
            press(page, "u")  # undo: theme 2 back to accepted
            press(page, "x")
        press(page, "r")  # mark reviewed and go to the next
    db.session.rollback()
    reviewed = db.session.scalar(select(func.count()).select_from(AnswerReview))
    assert reviewed == 10
    statuses = {
        (c.answer_id, c.theme_key): c.status
        for c in db.session.scalars(select(Code).where(Code.answer_id.in_([a.id for a in answers[:10]])))
    }
    assert set(statuses.values()) == {"accepted", "rejected"}
    assert all(statuses[(a.id, "carers_families")] == "rejected" for a in answers[:10]), statuses
    assert all(statuses[(a.id, "community_partnership")] == "accepted" for a in answers[:10])
    assert f"/review/answers/{answers[10].id}" in page.url

    # j / k move through the list; / searches it.
    press(page, "k")
    assert f"/review/answers/{answers[9].id}" in page.url
    press(page, "j")
    page.keyboard.press("/")
    page.keyboard.type("Answer 3:")
    press(page, "Enter")
    assert f"/review/answers/{answers[3].id}" in page.url

    # n opens "add a theme"; a quote that is not in the answer is an error page that passes axe too.
    page.keyboard.press("n")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("words nobody wrote")
    page.keyboard.press("Tab")
    press(page, "Enter")
    assert "The passage you quoted is not in this answer" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page)


def test_review_error_states_and_bulk_pages_pass_axe(new_page, client, submitted, reviewer, db, axe):  # noqa: F811
    answers = coded_answers(submitted, TEN_AND_ONE[:2])
    page = signed_in_page(new_page, client, *reviewer)
    page.goto(f"/review/answers/{answers[0].id}")
    db.session.execute(Code.__table__.update().values(review_version=5))  # a colleague decided meanwhile
    db.session.commit()
    with page.expect_navigation():
        page.get_by_role("button", name="Accept theme 1, Community partnership and co-production").click()
    assert "decided this code while you were looking at it" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page)
    round_id = answers[0].response.round_id
    page.goto(f"/review/bulk?round={round_id}&theme=carers_families")
    assert "these 2 codes" in page.locator("legend").inner_text()
    axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm for 2 codes").click()
    assert "Choose whether to accept or reject" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page)
    page.goto(f"/review/bulk?round={round_id}")
    axe(page)
