"""Issue 14's "done when", as one walk in real Chromium with a full-length report (21 answers of 450 words in four
paragraphs): the start page and the footer's pages, the task list before anything is saved, check your answers
read as paragraphs, a change from there coming back to the answer, the word count on the client and the server, a
clash between two colleagues (labels, only possible choices, the section keeping its status, who last saved),
one time format in UK time, questions that speak to the person answering, and the submission. axe-core on every
page.

Set SCREENSHOTS_DIR to keep full-page screenshots of the start page, check your answers and the clash page."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.answers import long_answer
from tests.browser.test_collaboration_pages import TIME, section_row, shot, submit
from tests.browser.test_journey_second_pass_browser import (
    CHECK_MAX_HEIGHT,
    _assert_reads_as_paragraphs,
    _fill_full_report,
)

pytestmark = pytest.mark.browser


def follow(page, name: str, *, within: str = "main", role: str = "link") -> None:
    """Activate a link (or a button-styled link) inside an element and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(within).get_by_role(role, name=name, exact=True).click()


def test_a_director_walks_the_whole_journey_with_a_full_length_report(new_page, factory, db, axe, fill_section):
    rnd = factory.round()
    rnd.deadline = date(2027, 4, 30)
    rnd.contact_name, rnd.contact_email = "Joy Adebayo", "pledge-team@pledge.example"
    resp = factory.response(rnd, factory.organisation("Northmoor NHS Foundation Trust"))
    alice_link, bola_link = factory.invite(resp, 0), factory.invite(resp, 1)
    alice = new_page(viewport={"width": 1280, "height": 900})

    # 6. The start page first, then the footer's pages, each with its heading.
    alice.goto(alice_link)
    assert alice.url.endswith(f"/respond/{resp.id}/start")
    start = alice.locator("main").inner_text()
    assert "30 April 2027" in start and "Joy Adebayo" in start and "pledge-team@pledge.example" in start
    assert alice.locator("main ol li").count() == 7  # the seven commitments
    axe(alice)
    shot(alice, "walk-start")
    for link in ("Privacy notice", "Accessibility statement", "Cookies"):
        follow(alice, link, within="footer")
        assert alice.get_by_role("heading", level=1).inner_text() == link
        axe(alice)
    alice.goto(f"/respond/{resp.id}/start")
    follow(alice, "Start now", role="button")

    # 7. Nothing saved yet: the task list says what is left instead of offering "Check and submit".
    assert alice.url.endswith(f"/respond/{resp.id}/")
    assert "Complete 11 more sections before you can check and submit" in alice.locator("main").inner_text()
    assert alice.get_by_role("link", name="Check and submit").count() == 0
    axe(alice)

    # 1. The e-mail field promises no receipt; 7. the questions speak to the person answering.
    alice.goto(f"/respond/{resp.id}/sections/about")
    about = alice.locator("main").inner_text()
    assert "receipt" not in about.lower()
    assert all(label in about for label in ("Your full name", "Your role", "Your email address")), about
    assert "their " not in about.lower() and "the person responding" not in about

    # 3. The full-length report on check your answers: full width, paragraphs not indented, a page of sane height.
    _fill_full_report(alice, resp.id, fill_section)
    assert alice.evaluate("() => document.documentElement.scrollHeight") < CHECK_MAX_HEIGHT
    _assert_reads_as_paragraphs(alice, "answer-c1-actions")
    axe(alice)
    shot(alice, "walk-check")

    # 2. A change from check your answers comes back to the answer, with "saved" beside it.
    alice.locator("#answer-c3-impact").get_by_role("link", name="Change What difference has it made?").click()
    alice.wait_for_url("**/sections/commitment-3?return=check&return_answer=impact#impact")
    alice.locator("#impact").fill(long_answer(300, 3, "Changed"))
    submit(alice, "Save and continue")
    assert alice.url.endswith(f"/respond/{resp.id}/check#answer-c3-impact")
    assert "has been saved" in alice.locator("#answer-c3-impact .app-saved").inner_text()
    axe(alice)

    # 4. Words, counted as one types and by the server, in the same words.
    alice.goto(f"/respond/{resp.id}/sections/commitment-5")
    status = alice.locator("#actions ~ .nhsuk-character-count__status")
    assert status.inner_text() == "You have 300 words remaining"  # 450 of 750 already written
    alice.locator("#actions").fill(long_answer(753, 4))
    alice.locator("#actions").press("End")
    assert status.inner_text() == "You have 3 words too many"
    submit(alice, "Save and continue")
    assert "Your answer is 753 words long. The limit is 750 words. You have 3 words too many." in " ".join(
        alice.locator("#actions-error").inner_text().split()
    )
    axe(alice)
    alice.locator("#actions").fill(long_answer(450, 4, "Shortened"))
    submit(alice, "Save and continue")
    assert alice.url.endswith(f"/respond/{resp.id}/sections/commitment-6")

    # 5. A clash: Bola opens commitment 1, Alice saves it first, Bola's save is kept and compared.
    bola = new_page(viewport={"width": 1280, "height": 900})
    bola.goto(bola_link)
    bola.goto(f"/respond/{resp.id}/sections/commitment-1")
    alice.goto(f"/respond/{resp.id}/sections/commitment-1")
    alice.locator("#actions").fill(long_answer(450, 4, "Alice"))
    submit(alice, "Save and continue")
    bola.locator("#actions").fill(long_answer(420, 4, "Bola"))
    submit(bola, "Save and come back later")
    assert bola.url.endswith(f"/respond/{resp.id}/conflicts")
    mine, theirs = (bola.locator(".app-conflict .nhsuk-card").nth(i).inner_text() for i in (0, 1))
    assert re.search(f"Not saved: you tried to save this at {TIME}", mine), mine
    assert re.search(f"Saved by Person 0 of \\d+ at {TIME}", theirs), theirs
    assert bola.locator('input[type="radio"][name="choice"]').count() == 2
    axe(bola)
    shot(bola, "walk-clash")
    bola.get_by_label("Keep my version").check()
    submit(bola, "Save this answer")
    assert bola.url.endswith(f"/respond/{resp.id}/")
    row = section_row(bola, "Commitment 1").inner_text()
    assert "Completed" in row and re.search(f"Last saved by Person 1 of \\d+, {TIME}", row), row
    axe(bola)

    # One time format, UK time, on every page that shows one; then Alice submits.
    alice.goto(f"/respond/{resp.id}/")
    assert "UTC" not in alice.locator("main").inner_text()
    assert re.search(TIME, alice.locator(".app-replaced").inner_text())
    alice.goto(f"/respond/{resp.id}/check")
    alice.get_by_label("I confirm that this report is accurate", exact=False).check()
    alice.get_by_label("Your full name").fill("Ada Obi")
    submit(alice, "Submit report")
    assert alice.url.endswith(f"/respond/{resp.id}/confirmation")
    assert "Report submitted" in alice.locator("main").inner_text()
    axe(alice)
