"""What an outside probe found, each guarded: a submitted report refuses every write, section states survive
colleagues saving at once, sessions end when their invitation does, open conflicts are bounded."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from survey.models import Answer, AnswerRevision, Invitation, Response, SectionState, utcnow
from tests.answers import SECTIONS, answers_for, fill_in_report
from tests.survey.test_collaboration import URL, clash, current, two_colleagues

SECOND_REPORT = {"background": {"why_pledge": None, "changes_since_last": "We opened a community crisis cafe."}}


def _submit(client, resp, *, fill: bool = True, changes=None) -> None:
    if fill:
        fill_in_report(client, resp.id, changes)
    client.get(f"/respond/{resp.id}/check")
    reply = client.post(f"/respond/{resp.id}/check", {"confirm": "y", "full_name": "Ada Obi"})
    assert reply.status_code == 302 and reply.headers["location"].endswith("/confirmation")


def _locked(reply) -> None:
    assert reply.status_code == 409, reply.text[:300]
    text = " ".join(reply.text.split())
    assert "This report has already been submitted" in text
    assert "by Ada Obi at" in text  # who submitted it, and when


def _resave(client, url: str, key: str) -> None:
    """Save a section again with "Save and continue", from the revisions the page shows (no conflict)."""
    page = client.get(url)
    revisions = dict(re.findall(r'name="(rev__\w+)" value="(\d+)"', page.text))
    assert client.post(url, answers_for(key) | revisions | {"action": "continue"}).status_code == 302


def test_resolving_an_old_conflict_after_submission_changes_nothing(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    fill_in_report(a, resp.id)
    url = URL.format(resp.id)
    b.get(url)
    r = b.post(url, {"action": "later", "actions": "B's text"})  # from revision 0: B is left with a conflict
    assert r.headers["location"] == f"/respond/{resp.id}/conflicts"
    _resave(a, url, "commitment-1")
    _submit(a, resp, fill=False)
    before = current(db, resp)
    value, tagging = before.value, before.tagging
    assert tagging == "tagged"
    kept = db.session.scalar(select(AnswerRevision).where(AnswerRevision.outcome == "conflict"))
    reply = b.post(
        f"/respond/{resp.id}/conflicts",
        {"choice": "mine", "merged": "", "seen_revision": str(before.revision)},
    )
    after = current(db, resp)
    assert (after.value, after.tagging) == (value, tagging)
    db.session.refresh(kept)
    assert kept.outcome == "conflict"  # still B's, undecided; nothing was applied
    assert reply.status_code in (302, 409)


def test_prefill_cannot_add_answers_to_a_submitted_report(browser_factory, factory, db):
    org = factory.organisation(contacts=2)
    first = factory.round(1)
    old = factory.response(first, org)
    db.session.add(
        Answer(
            response_id=old.id, field_key="support_wanted", question_key="support_wanted", value="Old support wanted"
        )
    )
    old.status = "submitted"
    old.submitted_at = utcnow()
    rnd = factory.round(2, previous=first)
    resp = factory.response(rnd, org)
    db.session.commit()
    a, b = browser_factory(), browser_factory()
    a.get(factory.invite(resp, 0))
    b.get(factory.invite(resp, 1))
    b.get(f"/respond/{resp.id}/sections/next_steps")  # B's page offers pre-fill, with a token
    _submit(a, resp, changes=SECOND_REPORT | {"next_steps": {"support_wanted": None}})  # left unanswered
    count = db.session.scalar(select(func.count()).select_from(Answer).where(Answer.response_id == resp.id))
    reply = b.post(f"/respond/{resp.id}/sections/next_steps/prefill", {})
    _locked(reply)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Answer).where(Answer.response_id == resp.id)) == count


def test_a_save_arriving_after_submission_is_kept_and_shown(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    url = URL.format(resp.id)
    b.get(url)  # B opens the page before A submits
    _submit(a, resp)
    submitted_value = current(db, resp).value
    late = dict(answers_for("commitment-1"), actions="B's late paragraph about the crisis pathway.")
    reply = b.post(url, late | {"action": "continue"})
    _locked(reply)
    assert "What you sent has been kept" in reply.text and "late paragraph about the crisis pathway" in reply.text
    assert current(db, resp).value == submitted_value
    kept = db.session.scalars(select(AnswerRevision.value).where(AnswerRevision.outcome == "late")).all()
    assert "B's late paragraph about the crisis pathway." in kept


def test_a_second_declaration_does_not_resubmit(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    b.get(f"/respond/{resp.id}/check")  # B has the declaration open while A submits
    _submit(a, resp)
    reply = b.post(f"/respond/{resp.id}/check", {"confirm": "y", "full_name": "Someone Else"})
    assert reply.status_code in (302, 409)
    db.session.expire_all()
    assert db.session.get(Response, resp.id).declaration_name == "Ada Obi"


def _complete_at_once(people, resp) -> dict[str, int]:
    """Each person completes their own section, all released at the same instant; returns each reply's status."""
    start = threading.Barrier(len(people))
    replies: dict[str, int] = {}

    def complete(person, key: str) -> None:
        start.wait()
        reply = person.post(f"/respond/{resp.id}/sections/{key}", answers_for(key) | {"action": "continue"})
        replies[key] = reply.status_code

    threads = [threading.Thread(target=complete, args=pair) for pair in zip(people, SECTIONS, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return replies


def test_colleagues_completing_different_sections_at_once_keep_every_state(browser_factory, factory, db):
    rnd = factory.round()
    for attempt in range(3):
        resp = factory.response(rnd, factory.organisation(contacts=len(SECTIONS)))
        people = [browser_factory() for _ in SECTIONS]
        for i, person in enumerate(people):
            person.get(factory.invite(resp, i))
            person.get(f"/respond/{resp.id}/sections/{SECTIONS[i]}")
        assert _complete_at_once(people, resp) == dict.fromkeys(SECTIONS, 302), f"attempt {attempt}"
        db.session.expire_all()
        states = dict(
            db.session.execute(
                select(SectionState.section_key, SectionState.status).where(SectionState.response_id == resp.id)
            ).all()
        )
        assert states == dict.fromkeys(SECTIONS, "completed"), f"attempt {attempt}"


def test_a_session_ends_when_its_invitation_expires(client, factory, db):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    client.get(factory.invite(resp))
    assert client.get(f"/respond/{resp.id}/").status_code == 200
    db.session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    page = client.get(f"/respond/{resp.id}/")
    assert page.status_code == 401


def test_open_conflicts_stay_bounded_per_answer_and_person(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    url = URL.format(resp.id)
    clash(a, b, resp, "A's text", "B's first try")
    for n in range(5):  # B keeps saving from the same stale page
        b.post(url, {"action": "later", "actions": f"B's try {n}", "rev__actions": "0"})
    open_conflicts = db.session.scalars(select(AnswerRevision.value).where(AnswerRevision.outcome == "conflict")).all()
    assert open_conflicts == ["B's try 4"]
    superseded = db.session.scalar(
        select(func.count()).select_from(AnswerRevision).where(AnswerRevision.outcome == "superseded")
    )
    assert superseded == 5  # kept, not asked about again
