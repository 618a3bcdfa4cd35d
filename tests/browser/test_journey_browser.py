"""The respondent's journey in real Chromium: every page passes axe, errors link, JavaScript is optional."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from survey.models import Answer, AnswerRevision, Contact, Invitation, Response, utcnow
from survey.services import access
from tests.answers import SECTIONS

pytestmark = pytest.mark.browser


def submit(page, button: str) -> None:
    """Press a form's button and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def follow(page, link: str) -> None:
    """Follow a link and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("link", name=link).click()


def _contact(db, resp: Response, index: int = 0) -> Contact:
    """One of the response's organisation's contacts, in id order."""
    return db.session.scalars(
        select(Contact).where(Contact.organisation_id == resp.organisation_id).order_by(Contact.id)
    ).all()[index]


def _problem_links(db, factory, resp: Response) -> dict[str, str]:
    """An expired and a revoked invitation link for the response (committed)."""
    expired = access.create_invitation(resp, _contact(db, resp), days=1, now=utcnow() - timedelta(days=3))
    revoked = access.create_invitation(resp, _contact(db, resp, 1), days=60)
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == access.token_hash(revoked)))
    access.revoke_invitation(invitation)
    db.session.commit()
    return {
        "expired": f"/r/{expired}",
        "revoked": f"/r/{revoked}",
        "invalid": "/r/not-a-real-link-0123456789",
    }


def test_public_and_problem_pages_pass_axe(page, factory, db, axe, fill_section):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    links = _problem_links(db, factory, resp)
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Report your progress on the pledge"
    axe(page)
    expected = {
        "invalid": "This link does not work",
        "expired": "This link has expired",
        "revoked": "This link has been cancelled",
    }
    for reason, heading in expected.items():
        reply = page.goto(links[reason])
        assert reply.status in (404, 410)
        assert page.get_by_role("heading", level=1).inner_text() == heading
        axe(page)
    reply = page.goto("/no-such-page")
    assert reply.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    axe(page)


def _answer_every_section(page, resp_id: int, axe, fill_section) -> None:
    """From the task list, open each section in turn and answer it, checking each page with axe."""
    follow(page, "About your organisation")
    for key in SECTIONS:
        assert page.url.endswith(f"/respond/{resp_id}/sections/{key}"), page.url
        axe(page)
        fill_section(page, key)
        submit(page, "Save and continue")
        assert page.locator(".nhsuk-error-summary").count() == 0, page.locator(".nhsuk-error-summary").inner_text()
    assert page.url.endswith(f"/respond/{resp_id}/check")


def test_new_user_completes_and_submits_whole_report(page, factory, db, axe, fill_section):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation("Northmoor NHS Foundation Trust"))
    link = factory.invite(resp)
    page.goto(link)
    assert page.url.endswith(f"/respond/{resp.id}/start")  # the start page first, then the task list
    submit(page, "Start now")  # a link styled as a button (role="button")
    assert page.url.endswith(f"/respond/{resp.id}/")
    assert "You have completed 0 of 11 sections" in page.content()
    axe(page)
    _answer_every_section(page, resp.id, axe, fill_section)
    axe(page)  # check answers, declaration still to do
    assert "Sections still to complete" not in page.content()
    assert "Black, Black British, Caribbean or African" in page.content()
    page.get_by_label("I confirm that this report is accurate", exact=False).check()
    page.get_by_label("Your full name").fill("Ada Obi")
    submit(page, "Submit report")
    assert page.url.endswith(f"/respond/{resp.id}/confirmation")
    db.session.expire_all()
    row = db.session.get(Response, resp.id)
    assert row.status == "submitted" and row.declaration_name == "Ada Obi"
    assert row.reference in page.locator(".app-reference").inner_text()
    axe(page)
    follow(page, "View or print your report")
    assert page.url.endswith(f"/respond/{resp.id}/report")
    assert "Actions for commitment-7" in page.content()
    axe(page)
    page.goto(f"/respond/{resp.id + 1000}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    axe(page)
    table = db.session.scalar(
        select(Answer.value).where(Answer.response_id == resp.id, Answer.field_key == "c2.ethnicity_counts")
    )
    assert table == {
        "black": {"detentions": 40, "population": 20000},
        "white": {"detentions": 60, "population": 150000},
    }
    measures = db.session.scalar(
        select(Answer.value).where(Answer.response_id == resp.id, Answer.field_key == "c2.measures")
    )
    assert measures == ["mha_detentions", "workforce_race_equality"]


def _open_section(page, factory, key: str) -> int:
    """A signed-in page on one section of a fresh response; returns the response id."""
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    page.goto(factory.invite(resp))
    page.goto(f"/respond/{resp.id}/sections/{key}")
    return resp.id


def test_blank_required_fields_show_linked_error_summary(page, factory, db, axe, fill_section):
    _open_section(page, factory, "commitment-1")
    submit(page, "Save and continue")
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible()
    assert page.title().startswith("Error: ")
    assert summary.evaluate("el => el === document.activeElement"), "the error summary should take focus"
    links = summary.get_by_role("link")
    texts = links.all_inner_texts()
    assert "Select an answer to “How would you rate your progress on this commitment?”" in texts
    assert "Enter an answer to “What have you done?”" in texts
    axe(page)
    summary.get_by_role("link", name="Enter an answer to “What have you done?”").click()
    field = page.locator("#actions")
    assert field.evaluate("el => el === document.activeElement")
    assert field.evaluate("el => { const r = el.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight }")
    summary.get_by_role("link", name="Select an answer", exact=False).click()
    focused = page.evaluate("() => document.activeElement.name")
    assert focused == "progress"


def test_long_answer_error_names_limit_and_keeps_text(page, factory, db, axe, fill_section):
    _open_section(page, factory, "commitment-1")
    long_text = "We trained every ward team. " * 715 + "End."  # 3,576 words
    page.locator('input[name="progress"][value="planning"]').check()
    page.locator("#actions").fill(long_text)
    submit(page, "Save and continue")
    message = page.locator("#actions-error").inner_text()
    assert "750 words" in message and "3,576 words" in message
    assert page.locator("#actions").input_value() == long_text
    assert page.locator('input[name="progress"][value="planning"]').is_checked()
    axe(page)


def test_detentions_over_population_has_its_own_error(page, factory, db, axe, fill_section):
    _open_section(page, factory, "commitment-2")
    fill_section(page, "commitment-2")
    page.locator("#ethnicity_counts__asian__detentions").fill("500")
    page.locator("#ethnicity_counts__asian__population").fill("100")
    submit(page, "Save and continue")
    expected = "Detentions for Asian or Asian British (500) cannot be more than the population (100)"
    assert expected in page.locator(".nhsuk-error-summary").inner_text()
    assert expected in page.locator("#ethnicity_counts__asian__detentions-error").inner_text()
    axe(page)


def test_colleague_conflict_is_resolved_by_combining(new_page, factory, db, axe, fill_section):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    link_a, link_b = factory.invite(resp, 0), factory.invite(resp, 1)
    alice, bola = new_page(), new_page()
    for person, link in ((alice, link_a), (bola, link_b)):
        person.goto(link)
        person.goto(f"/respond/{resp.id}/sections/commitment-1")
    alice.locator("#actions").fill("Alice: we funded three VCSE partners.")
    seen: list[str] = []
    alice.on("response", lambda r: seen.append(f"{r.request.method} {r.url} {r.status}"))
    submit(alice, "Save and come back later")
    alice.wait_for_url(f"**/respond/{resp.id}/")
    assert "Your answers have been saved" in alice.locator("main").inner_text(), seen
    bola.locator("#actions").fill("Bola: we set up a community advisory board.")
    submit(bola, "Save and come back later")
    assert bola.url.endswith(f"/respond/{resp.id}/conflicts")
    cards = bola.locator(".app-conflict .nhsuk-card")
    assert cards.count() == 2
    assert "Bola: we set up a community advisory board." in cards.nth(0).inner_text()
    assert "Alice: we funded three VCSE partners." in cards.nth(1).inner_text()
    axe(bola)
    merged = "Alice: we funded three VCSE partners.\nBola: we set up a community advisory board."
    bola.get_by_label("Combined answer", exact=True).fill(merged)
    submit(bola, "Save combined answer")  # issue 14 item 5: the combination has its own button
    assert bola.url.endswith(f"/respond/{resp.id}/")
    db.session.expire_all()
    answer = db.session.scalar(select(Answer).where(Answer.response_id == resp.id, Answer.field_key == "c1.actions"))
    assert answer.value == merged
    kept = list(db.session.scalars(select(AnswerRevision.value).where(AnswerRevision.answer_id == answer.id)))
    assert "Alice: we funded three VCSE partners." in kept
    assert "Bola: we set up a community advisory board." in kept


def test_journey_pages_load_under_the_real_csp(new_page, factory, db):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    page = new_page(bypass_csp=False)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: blocked.append(str(e)))
    reply = page.goto(factory.invite(resp))
    assert "nonce-" in reply.request.redirected_from.response().headers["content-security-policy"]
    for key in ("commitment-1", "commitment-2"):
        page.goto(f"/respond/{resp.id}/sections/{key}")
        submit(page, "Save and continue")
        # The error summary is focused by the nonce'd module script: proof the page's own script ran.
        assert page.locator(".nhsuk-error-summary").evaluate("el => el === document.activeElement")
    for url in (f"/respond/{resp.id}/check", f"/respond/{resp.id}/report", "/"):
        page.goto(url)
    # nhsuk-frontend's CSS names its licensed Frutiger fonts on assets.nhs.uk; font-src 'self' blocks them
    # on purpose (no third-party requests) and the text falls back to Arial.
    problems = [m for m in blocked if "assets.nhs.uk/fonts/" not in m]
    assert problems == []
    with contextlib.suppress(Exception):
        page.add_script_tag(content="window.injected = true")  # an inline script without the nonce
    assert page.evaluate("() => window.injected") is None
    assert any("script-src" in m for m in blocked), blocked


def test_section_can_be_saved_without_javascript(new_page, factory, db, axe, fill_section):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    page = new_page(java_script_enabled=False)
    page.goto(factory.invite(resp))
    submit(page, "Start now")  # the invitation opens the start page
    tasks = page.locator(".nhsuk-task-list__item")
    assert "Not started" in tasks.nth(2).inner_text()
    follow(page, "Commitment 1")
    fill_section(page, "commitment-1")
    submit(page, "Save and come back later")
    assert page.url.endswith(f"/respond/{resp.id}/")
    assert "Your answers have been saved" in page.content()
    assert "In progress" in tasks.nth(2).inner_text()
    follow(page, "Commitment 1")
    assert page.locator("#actions").input_value().startswith("Actions for commitment-1")
    submit(page, "Save and continue")
    assert page.url.endswith(f"/respond/{resp.id}/sections/commitment-2")
    page.goto(f"/respond/{resp.id}/")
    assert "Completed" in tasks.nth(2).inner_text()
