"""Issue 14 (items 5 and 7) in real Chromium: the clash page for text and for a rating, statuses kept, the
replaced colleague's notice, who last saved, an answer's history, the task list's wording, one time format and
the re-open request; every page passes axe."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from survey.models import Answer, Response, utcnow

pytestmark = pytest.mark.browser

TIME = r"\d{1,2}:\d\d[ap]m on \d{1,2} [A-Z][a-z]+ \d{4}"
SHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to keep full-page screenshots for a person to look at


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def submit(page, button: str) -> None:
    """Press a form's button and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def colleagues_on_commitment_1(new_page, factory):
    """Alice and Bola, each signed in with their own link, both with commitment 1 open."""
    resp = factory.response(factory.round(), factory.organisation())
    links = factory.invite(resp, 0), factory.invite(resp, 1)
    alice, bola = new_page(), new_page()
    for person, link in zip((alice, bola), links, strict=True):
        person.goto(link)
        person.goto(f"/respond/{resp.id}/sections/commitment-1")
    return resp, alice, bola


def section_row(page, title: str):
    return page.locator(".nhsuk-task-list__item", has_text=title)


def test_text_clash_then_notice_last_saved_and_history(new_page, factory, db, axe, fill_section):
    resp, alice, bola = colleagues_on_commitment_1(new_page, factory)
    fill_section(alice, "commitment-1")
    submit(alice, "Save and continue")
    bola.locator("#actions").fill("Bola: we set up a community advisory board.")
    submit(bola, "Save and come back later")
    assert bola.url.endswith(f"/respond/{resp.id}/conflicts")
    cards = bola.locator(".app-conflict .nhsuk-card")
    mine, theirs = cards.nth(0).inner_text(), cards.nth(1).inner_text()
    assert re.search(f"Not saved: you tried to save this at {TIME}", mine), mine
    assert re.search(f"Saved by Person 0 of \\d+ at {TIME}", theirs), theirs
    assert "Saved" not in mine.replace("Not saved", "")
    assert bola.locator('input[type="radio"][name="choice"]').count() == 2
    combined = bola.get_by_label("Combined answer", exact=True)
    assert combined.input_value() == "Bola: we set up a community advisory board."  # starts as their own
    # The combination has its own heading, box and button after the two versions: write it, then save it.
    assert bola.get_by_role("heading", name="Or write a combined answer").is_visible()
    axe(bola)
    shot(bola, "conflict-text")
    combined.fill(" ")
    submit(bola, "Save combined answer")  # an empty combination is refused with a linked error
    summary = bola.locator(".nhsuk-error-summary")
    assert "Enter the combined answer" in summary.inner_text()
    assert summary.get_by_role("link").get_attribute("href") == "#merged"
    axe(bola)
    shot(bola, "conflict-text-error")
    merged = "Alice and Bola: three VCSE partners and a community advisory board."
    bola.get_by_label("Combined answer", exact=True).fill(merged)
    submit(bola, "Save combined answer")
    assert bola.url.endswith(f"/respond/{resp.id}/")
    assert "Completed" in section_row(bola, "Commitment 1").inner_text()  # the section kept its status
    # Alice is told, once, who replaced her answer, with the way to its history.
    alice.goto(f"/respond/{resp.id}/")
    notice = alice.locator(".app-replaced").inner_text()
    assert re.search(f"Person 1 of \\d+ replaced your answer to “What have you done\\?” at {TIME}", notice), notice
    row = section_row(alice, "Commitment 1").inner_text()
    assert re.search(f"Last saved by Person 1 of \\d+, {TIME}", row), row
    assert "Complete 10 more sections before you can check and submit" in alice.locator("main").inner_text()
    axe(alice)
    shot(alice, "task-list-notice")
    with alice.expect_navigation():
        alice.get_by_role("link", name=re.compile("see its history")).click()
    assert alice.url.endswith(f"/respond/{resp.id}/answers/c1.actions/history")
    entries = alice.locator(".app-history__entry")
    assert entries.count() == 3
    history = alice.locator("main").inner_text()
    assert "Not saved: compared and decided" in history and merged in history
    assert len(re.findall(TIME, history)) == 3 and "UTC" not in history
    axe(alice)
    shot(alice, "history")
    alice.goto(f"/respond/{resp.id}/")
    assert alice.locator(".app-replaced").count() == 0
    db.session.expire_all()
    answer = db.session.scalar(select(Answer).where(Answer.response_id == resp.id, Answer.field_key == "c1.actions"))
    assert answer.value == merged


def test_rating_clash_offers_only_the_two_versions(new_page, factory, db, axe, fill_section):
    resp, alice, bola = colleagues_on_commitment_1(new_page, factory)
    fill_section(alice, "commitment-1")
    submit(alice, "Save and continue")
    bola.locator('input[name="progress"][value="planning"]').check()
    submit(bola, "Save and come back later")
    assert bola.url.endswith(f"/respond/{resp.id}/conflicts")
    main = bola.locator("main").inner_text()
    assert "combine" not in main.lower() and "combined" not in main.lower()
    assert bola.locator('input[name="choice"]').count() == 2
    assert bola.locator('textarea[name="merged"]').count() == 0
    assert bola.get_by_role("button", name="Save combined answer").count() == 0
    assert bola.get_by_role("group", name="Which version do you want to keep?").is_visible()
    axe(bola)
    shot(bola, "conflict-rating")
    bola.get_by_label("Keep my version").check()
    submit(bola, "Save this answer")
    assert bola.url.endswith(f"/respond/{resp.id}/")
    assert "Completed" in section_row(bola, "Commitment 1").inner_text()


def test_task_list_at_no_sections_and_the_draft_report(page, factory, db, axe):
    resp = factory.response(factory.round(), factory.organisation())
    page.goto(factory.invite(resp))
    page.goto(f"/respond/{resp.id}/")
    main = page.locator("main")
    assert "Complete 11 more sections before you can check and submit" in main.inner_text()
    assert page.get_by_role("link", name="Check your answers and submit your report").count() == 0
    axe(page)
    with page.expect_navigation():
        page.get_by_role("link", name="View your draft report").click()
    assert page.url.endswith(f"/respond/{resp.id}/report")


def test_reopen_request_with_an_error_then_sent(page, factory, db, axe):
    resp = factory.response(factory.round(), factory.organisation())
    link = factory.invite(resp)
    row = db.session.get(Response, resp.id)
    row.status, row.submitted_at, row.declaration_name = "submitted", utcnow(), "Ada Obi"
    db.session.commit()
    page.goto(link)
    page.goto(f"/respond/{resp.id}/confirmation")
    assert re.search(f"submitted at {TIME}", page.locator("main").inner_text())
    submit(page, "Send the request")
    assert page.url.endswith(f"/respond/{resp.id}/reopen-request")
    assert page.title().startswith("Error: ")
    assert "Enter what you need to change and why" in page.locator(".nhsuk-error-summary").inner_text()
    axe(page)
    shot(page, "reopen-error")
    page.get_by_label("What do you need to change, and why?").fill("We gave last year's detention counts.")
    submit(page, "Send the request")
    assert page.url.endswith(f"/respond/{resp.id}/confirmation")
    main = page.locator("main").inner_text()
    assert "Your request to re-open this report has been sent" in main
    assert re.search(f"A request to re-open this report was sent at {TIME} by Person 0", main)
    axe(page)
    shot(page, "reopen-sent")


def test_commitment_2_shows_its_own_rate_ratios(page, factory, db, axe, fill_section):
    resp = factory.response(factory.round(), factory.organisation())
    page.goto(factory.invite(resp))
    page.goto(f"/respond/{resp.id}/sections/commitment-2")
    assert page.locator(".app-rates").count() == 0
    fill_section(page, "commitment-2")
    submit(page, "Save and come back later")
    page.goto(f"/respond/{resp.id}/sections/commitment-2")
    table = page.locator(".app-rates")
    black = table.get_by_role("row", name=re.compile("^Black")).inner_text()
    assert "200.0" in black and "5.00" in black and "3.35 to 7.46" in black
    assert "Not shown: not given" in table.get_by_role("row", name=re.compile("^Asian")).inner_text()
    assert "Groups with fewer than 5 detentions are not shown" in page.locator("main").inner_text()
    assert page.get_by_role("link", name=re.compile("History of the answer to")).count() >= 4
    axe(page)
    shot(page, "commitment-2-rates")
