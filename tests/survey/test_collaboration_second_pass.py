"""Issue 14 (items 5 and 7): the clash page's labels and choices, statuses kept, who replaced whose answer, who
saved what, each answer's history, the task list's wording, sign-out, UK time, rate ratios and re-open requests."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from survey.models import Answer, AuditEvent, ReopenRequest, SectionState
from survey.services.templating import format_datetime
from tests.answers import answers_for, submit_report

SECTION = "/respond/{}/sections/commitment-1"


def two_colleagues(browser_factory, factory):
    resp = factory.response(factory.round(), factory.organisation(contacts=2))
    a, b = browser_factory(), browser_factory()
    a.get(factory.invite(resp, 0))
    b.get(factory.invite(resp, 1))
    return resp, a, b


def status(db, resp, key="commitment-1"):
    db.session.expire_all()
    return db.session.scalar(
        select(SectionState.status).where(SectionState.response_id == resp.id, SectionState.section_key == key)
    )


def text(html: str) -> str:
    """The page's text with tags dropped and white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def completed_then_clashed(a, b, resp, field: str, a_value: str, b_value: str):
    """A completes commitment 1; B, whose page was opened before, saves another value of one field over it."""
    url = SECTION.format(resp.id)
    a.get(url)
    b.get(url)
    data = answers_for("commitment-1") | {field: a_value, "action": "continue"}
    assert a.post(url, data).status_code == 302
    r = b.post(url, {"action": "later", field: b_value})
    assert r.headers["location"] == f"/respond/{resp.id}/conflicts"
    return b.get(f"/respond/{resp.id}/conflicts")


def test_text_clash_says_not_saved_and_offers_a_combined_answer(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    page = text(completed_then_clashed(a, b, resp, "actions", "A's text", "B's text").text)
    assert "Not saved: you tried to save this at " in page
    assert re.search(r"Saved by Person 0 of \d+ at \d{1,2}:\d\d[ap]m on ", page)
    assert "Keep my version" in page and "Keep Person 0 of" in page
    assert "Or write a combined answer" in page and "Save combined answer" in page  # its own box and button
    assert page.index("Save this answer") < page.index("Or write a combined answer")
    # Choosing the combined answer with an empty box says what to do, rather than saving nothing.
    r = b.post(f"/respond/{resp.id}/conflicts", {"choice": "merged", "merged": " ", "seen_revision": "1"})
    assert r.status_code == 200 and "Enter the combined answer" in r.text


def test_rating_clash_offers_only_the_two_versions(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    page = completed_then_clashed(a, b, resp, "progress", "early_progress", "planning").text
    assert 'value="mine"' in page and 'value="theirs"' in page
    assert 'value="merged"' not in page and 'name="merged"' not in page
    assert "combine" not in page.lower()
    r = b.post(f"/respond/{resp.id}/conflicts", {"choice": "merged", "merged": "x", "seen_revision": "1"})
    assert "Choose your version or your colleague" in r.text
    r = b.post(f"/respond/{resp.id}/conflicts", {"choice": "mine", "seen_revision": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    answer = db.session.scalar(select(Answer).where(Answer.response_id == resp.id, Answer.field_key == "c1.progress"))
    assert answer.value == "planning"


def test_a_completed_section_stays_completed_through_a_clash(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    completed_then_clashed(a, b, resp, "actions", "A's text", "B's text")
    assert status(db, resp) == "completed"  # B's save applied nothing
    r = b.post(f"/respond/{resp.id}/conflicts", {"choice": "mine", "seen_revision": "1"})
    assert r.status_code == 302
    assert status(db, resp) == "completed"


def test_the_colleague_whose_answer_was_replaced_is_told_once(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    completed_then_clashed(a, b, resp, "actions", "A's text", "B's text")
    b.post(f"/respond/{resp.id}/conflicts", {"choice": "merged", "merged": "A and B", "seen_revision": "1"})
    assert "replaced your answer" not in b.get(f"/respond/{resp.id}/").text  # B replaced it: nothing to tell B
    first = text(a.get(f"/respond/{resp.id}/").text)
    assert re.search(r"Person 1 of \d+ replaced your answer to “What have you done\?” at \d{1,2}:\d\d[ap]m on", first)
    assert "see its history" in first
    assert "replaced your answer" not in a.get(f"/respond/{resp.id}/").text  # shown once
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("answer.replaced%"))).all()
    assert sorted(events) == ["answer.replaced", "answer.replaced.seen"]


def test_keeping_the_colleagues_version_replaces_nothing(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    completed_then_clashed(a, b, resp, "actions", "A's text", "B's text")
    b.post(f"/respond/{resp.id}/conflicts", {"choice": "theirs", "seen_revision": "1"})
    assert "replaced your answer" not in a.get(f"/respond/{resp.id}/").text


def test_task_list_says_who_last_saved_each_section(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    url = SECTION.format(resp.id)
    a.get(url)
    a.post(url, {"action": "later", "actions": "Ours"})
    page = text(b.get(f"/respond/{resp.id}/").text)
    assert re.search(r"Last saved by Person 0 of \d+, \d{1,2}:\d\d[ap]m on \d{1,2} \w+ \d{4}", page)
    assert page.count("Last saved by") == 1


def test_history_lists_every_save_with_outcomes(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    completed_then_clashed(a, b, resp, "actions", "A's text", "B's text")
    b.post(f"/respond/{resp.id}/conflicts", {"choice": "mine", "seen_revision": "1"})
    section = b.get(SECTION.format(resp.id)).text
    link = f"/respond/{resp.id}/answers/c1.actions/history"
    assert f'href="{link}"' in section
    page = text(b.get(link).text)
    assert page.index("A&#39;s text") < page.index("B&#39;s text")
    assert "Saved" in page and "Not saved: compared and decided" in page
    assert page.count("Person 0 of") >= 1 and page.count("Person 1 of") >= 2
    assert b.get(f"/respond/{resp.id}/answers/c1.nothing/history").status_code == 404
    assert b.get(f"/respond/{resp.id}/answers/c1.impact/history").status_code == 200


def test_task_list_says_what_is_left_before_check_and_submit(client, factory, db):
    resp = factory.response(factory.round(), factory.organisation())
    client.get(factory.invite(resp))
    page = client.get(f"/respond/{resp.id}/").text
    assert "Complete 11 more sections before you can check and submit" in page
    assert f'href="/respond/{resp.id}/check"' not in page
    assert f'href="/respond/{resp.id}/report">View your draft report</a>' in page
    assert client.get(f"/respond/{resp.id}/report").status_code == 200


def test_signing_out_says_so(client, factory, db):
    resp = factory.response(factory.round(), factory.organisation())
    client.get(factory.invite(resp))
    page = client.get(f"/respond/{resp.id}/").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = client.post("/respond/sign-out", {"csrf_token": token})
    assert r.status_code == 302
    after = client.get(r.headers["location"]).text
    assert "You have signed out. Open the link in your invitation email to continue." in after


def test_one_time_format_in_uk_time():
    assert format_datetime(datetime(2026, 8, 5, 19, 25, tzinfo=UTC)) == "8:25pm on 5 August 2026"  # BST
    assert format_datetime(datetime(2026, 12, 1, 20, 25, tzinfo=UTC)) == "8:25pm on 1 December 2026"  # GMT
    assert format_datetime(datetime(2026, 6, 30, 23, 30)) == "12:30am on 1 July 2026"  # naive is UTC


def test_the_role_question_speaks_to_the_person_answering(client, factory, db):
    resp = factory.response(factory.round(), factory.organisation())
    client.get(factory.invite(resp))
    page = client.get(f"/respond/{resp.id}/sections/about").text
    assert "Your role" in page and "Their role" not in page


def test_commitment_2_shows_rate_ratios_once_counts_are_saved(client, factory, db):
    resp = factory.response(factory.round(), factory.organisation())
    client.get(factory.invite(resp))
    url = f"/respond/{resp.id}/sections/commitment-2"
    assert "rate ratio" not in client.get(url).text.lower()
    data = answers_for("commitment-2") | {
        "action": "later",
        "ethnicity_counts__asian__detentions": "3",
        "ethnicity_counts__asian__population": "9000",
    }
    assert client.post(url, data).status_code == 302
    page = text(client.get(url).text)
    # Black 40 of 20,000 against White 60 of 150,000: ratio 5.00 (3.35 to 7.46), rates 200.0 and 40.0 per 100,000.
    assert re.search(r"Black, Black British, Caribbean or African 200\.0 5\.00 3\.35 to 7\.46", page)
    assert "(40.0 per 100,000 people)" in page
    assert "Asian or Asian British – Not shown: fewer than 5 detentions" in page
    assert "Groups with fewer than 5 detentions are not shown" in page and "A count of 0" in page


def test_a_submitted_report_can_be_asked_to_reopen_once(client, factory, db):
    resp = submit_report(client, factory, factory.round())
    confirmation = client.get(f"/respond/{resp.id}/confirmation").text
    assert "Ask the pledge team to re-open this report" in confirmation
    assert "Ask the pledge team to re-open this report" in client.get(f"/respond/{resp.id}/report").text
    url = f"/respond/{resp.id}/reopen-request"
    r = client.post(url, {"reason": "  "})
    assert r.status_code == 200 and "Enter what you need to change and why" in r.text
    assert r.text.count("There is a problem") == 1 and "<title>Error: " in r.text
    r = client.post(url, {"reason": "x" * 2001})
    assert "Your reason must be 2,000 characters or fewer" in r.text
    r = client.post(url, {"reason": "We gave last year's detention counts."})
    assert r.status_code == 302 and r.headers["location"].endswith("/confirmation")
    after = text(client.get(r.headers["location"]).text)
    assert "Your request to re-open this report has been sent" in after
    assert re.search(r"A request to re-open this report was sent at \d{1,2}:\d\d[ap]m on .* by Person 0", after)
    assert 'name="reason"' not in after  # one open request at a time
    r = client.post(url, {"reason": "Again"})
    assert "already been sent" in r.text
    db.session.expire_all()
    rows = db.session.scalars(select(ReopenRequest).where(ReopenRequest.response_id == resp.id)).all()
    assert [row.reason for row in rows] == ["We gave last year's detention counts."]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response.reopen_requested"))


def test_a_draft_report_has_no_reopen_form(client, factory, db):
    resp = factory.response(factory.round(), factory.organisation())
    client.get(factory.invite(resp))
    assert "re-open" not in client.get(f"/respond/{resp.id}/report").text
    r = client.post(f"/respond/{resp.id}/reopen-request", {"reason": "Why"})
    assert r.status_code == 302 and r.headers["location"].endswith(f"/respond/{resp.id}/")
    assert db.session.scalar(select(ReopenRequest)) is None


def test_two_clashes_in_a_completed_section_leave_it_completed(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    url = SECTION.format(resp.id)
    a.get(url)
    b.get(url)
    assert a.post(url, answers_for("commitment-1") | {"action": "continue"}).status_code == 302
    r = b.post(url, {"action": "later", "actions": "B's actions", "impact": "B's impact"})
    assert r.headers["location"] == f"/respond/{resp.id}/conflicts"
    assert status(db, resp) == "completed"
    for choice in ("mine", "theirs"):
        assert b.post(f"/respond/{resp.id}/conflicts", {"choice": choice, "seen_revision": "1"}).status_code == 302
        assert status(db, resp) == "completed"
    assert b.get(f"/respond/{resp.id}/conflicts").status_code == 302  # none left
