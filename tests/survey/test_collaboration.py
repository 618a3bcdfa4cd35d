"""Several colleagues on one report: optimistic locking, conflicts resolved side by side, nothing lost."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from survey.models import Answer, AnswerRevision
from tests.answers import answers_for

URL = "/respond/{}/sections/commitment-1"


def two_colleagues(browser_factory, factory):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation(contacts=2))
    a, b = browser_factory(), browser_factory()
    a.get(factory.invite(resp, 0))
    b.get(factory.invite(resp, 1))
    return resp, a, b


def clash(a, b, resp, a_text: str, b_text: str):
    """Both colleagues open the empty answer (revision 0); A saves, then B saves over it and is sent to compare
    the versions; returns the conflicts page B sees."""
    url = URL.format(resp.id)
    a.get(url)
    b.get(url)
    assert a.post(url, {"action": "later", "actions": a_text}).status_code == 302
    r = b.post(url, {"action": "later", "actions": b_text})
    assert r.headers["location"] == f"/respond/{resp.id}/conflicts"
    return b.get(f"/respond/{resp.id}/conflicts")


def current(db, resp, key="c1.actions"):
    db.session.expire_all()
    return db.session.scalar(select(Answer).where(Answer.response_id == resp.id, Answer.field_key == key))


def test_later_save_of_the_same_answer_becomes_a_conflict_not_an_overwrite(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    page = clash(a, b, resp, "A's text", "B's text")
    assert current(db, resp).value == "A's text"
    kept = db.session.scalar(select(AnswerRevision).where(AnswerRevision.outcome == "conflict"))
    assert kept.value == "B's text"
    assert "A&#39;s text" in page.text and "B&#39;s text" in page.text
    assert "Person 0" in page.text  # who saved the other version
    # B merges both versions.
    r = b.post(
        f"/respond/{resp.id}/conflicts", {"choice": "merged", "merged": "A's text\n\nB's text", "seen_revision": "1"}
    )
    assert r.status_code == 302
    assert current(db, resp).value == "A's text\n\nB's text"
    outcomes = sorted(db.session.scalars(select(AnswerRevision.outcome)))
    assert outcomes == ["applied", "applied", "resolved"]


def test_unchanged_answers_on_a_stale_page_do_not_overwrite_a_colleague(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    url = URL.format(resp.id)
    a.get(url)
    a.post(url, {"action": "later", "actions": "first", "impact": "impact one"})
    a.get(url)
    b.get(url)  # both see revision 1 of each
    a.post(
        url,
        {"action": "later", "actions": "second by A", "impact": "impact one", "rev__actions": "1", "rev__impact": "1"},
    )
    # B changes only the impact; the stale "first" it sends back for actions must not undo A's change.
    r = b.post(
        url, {"action": "later", "actions": "first", "impact": "impact by B", "rev__actions": "1", "rev__impact": "1"}
    )
    assert r.status_code == 302 and r.headers["location"] == f"/respond/{resp.id}/"
    assert current(db, resp).value == "second by A"
    assert current(db, resp, "c1.impact").value == "impact by B"


def test_keep_theirs_discards_nothing_from_history(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    clash(a, b, resp, "A", "B")
    b.post(f"/respond/{resp.id}/conflicts", {"choice": "theirs", "seen_revision": "1"})
    assert current(db, resp).value == "A"
    values = set(db.session.scalars(select(AnswerRevision.value)))
    assert values == {"A", "B"}


def test_conflict_page_refuses_a_resolution_based_on_an_old_version(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    clash(a, b, resp, "A1", "B")
    url = URL.format(resp.id)
    a.get(url)
    a.post(url, {"action": "later", "actions": "A2", "rev__actions": "1"})  # A moves on while B decides
    r = b.post(f"/respond/{resp.id}/conflicts", {"choice": "mine", "seen_revision": "1"})
    assert r.headers["location"].endswith("/conflicts")
    assert current(db, resp).value == "A2"
    page = b.get(f"/respond/{resp.id}/conflicts")
    assert "A2" in page.text and "changed this answer again" in page.text


def test_simultaneous_saves_lose_nothing(browser_factory, factory, db):
    resp, a, b = two_colleagues(browser_factory, factory)
    url = URL.format(resp.id)
    a.get(url)
    b.get(url)
    barrier = threading.Barrier(2)
    results = {}

    def save(name, who):
        barrier.wait()
        results[name] = who.post(url, {"action": "later", "actions": f"text of {name}"}).status_code

    threads = [threading.Thread(target=save, args=(n, w)) for n, w in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"a": 302, "b": 302}
    db.session.expire_all()
    saved = set(db.session.scalars(select(AnswerRevision.value)))
    assert saved == {"text of a", "text of b"}
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 1


def test_start_a_section_from_the_previous_round(client, factory, db):
    old_round = factory.round(1, closed=True)
    org = factory.organisation()
    old = factory.response(old_round, org)
    from survey.services import responses

    questionnaire = responses.questionnaire_for(old)
    section = questionnaire.section("commitment-3")
    for q in section.questions:
        value = answers_for("commitment-3").get(q.key)
        if value:
            responses.write_answer(old, q, value, None)
    old.status = "submitted"
    new = factory.response(factory.round(2, previous=old_round), org)
    client.get(factory.invite(new))
    page = client.get(f"/respond/{new.id}/sections/commitment-3")
    assert "Start from my last report" in page.text and "Round 1" in page.text
    r = client.post(f"/respond/{new.id}/sections/commitment-3/prefill", {})
    assert r.status_code == 302
    db.session.expire_all()
    copied = current(db, new, "c3.actions")
    assert copied.value == answers_for("commitment-3")["actions"]
    page = client.get(f"/respond/{new.id}/sections/commitment-3")
    assert "Start from my last report" not in page.text
    assert "answers were copied from your last report" in page.text
    # A later report asks what changed, not why they joined.
    background = client.get(f"/respond/{new.id}/sections/background")
    assert "What has changed since your last progress report?" in background.text
