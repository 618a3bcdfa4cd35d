"""Reviewing an answer over HTTP: evidence marked with numbers and names, decisions (who, when, before, after,
audited), two reviewers at once, a code a re-tag removed, adding a code by quoting, undo, mark reviewed and next."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from survey.models import AnswerReview, AuditEvent, Code, CodeDecision
from tests.staff_login import sign_in
from tests.survey.review_data import coded_answers

SEEN = re.compile(r'id="code-(\d+)".*?name="seen" value="(\d+)"', re.S)


def _codes(db, answer_id):
    db.session.rollback()
    return {c.theme_key: c for c in db.session.scalars(select(Code).where(Code.answer_id == answer_id))}


def _seen(page_text):
    return {int(code): int(seen) for code, seen in SEEN.findall(page_text)}


def test_a_suggestion_is_shown_as_the_classifiers_with_its_probability(client, submitted, reviewer, db):
    first, *_ = coded_answers(submitted)
    rule = _codes(db, first.id)["community_partnership"]
    db.session.add(
        Code(
            answer_id=first.id,
            theme_id=rule.theme_id,
            theme_key=rule.theme_key,
            codebook_version_id=rule.codebook_version_id,
            source="model",
            spans=[],
            confidence=0.77,
            level="possible",
        )
    )
    db.session.commit()
    sign_in(client, *reviewer)
    text = html.unescape(client.get(f"/review/answers/{first.id}").text)
    # The same theme from the rules and from the classifier: each says where it came from.
    assert "suggested by the classifier from reviewed answers, probability 0.77" in text
    assert "strong evidence, score 0.91" in text
    assert text.count("Community partnership and co-production</strong>") == 2


def test_the_page_marks_evidence_with_each_themes_number_and_name(client, submitted, reviewer, db):
    first, *_ = coded_answers(submitted)
    assert client.get(f"/review/answers/{first.id}").status_code == 302  # staff only
    sign_in(client, *reviewer)
    page = client.get(f"/review/answers/{first.id}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    # Themes listed in codebook order with level and score; overlapping evidence carries both numbers and names.
    assert "Community partnership and co-production" in text and "strong evidence, score 0.91" in text
    assert "possible, score 0.42" in text
    assert re.search(
        r'<mark class="app-mark app-mark--shared" data-start="\d+">crisis pathway</mark>'
        r'<sup class="app-mark-ref" aria-hidden="true">1,2</sup>',
        text,
    )
    assert "(evidence for theme 1, Community partnership and co-production; theme 2, Carers and families)" in text
    assert client.get("/review/answers/999999").status_code == 404


def test_a_decision_is_recorded_with_before_and_after_and_audited(client, submitted, reviewer, db):
    first, *_ = coded_answers(submitted)
    sign_in(client, *reviewer)
    seen = _seen(client.get(f"/review/answers/{first.id}").text)
    code = _codes(db, first.id)["carers_families"]
    done = client.post(
        f"/review/answers/{first.id}/codes/{code.id}?commitment=1", {"decision": "rejected", "seen": seen[code.id]}
    )
    assert done.status_code == 302 and done.headers["location"].endswith(f"commitment=1#code-{code.id}")
    code = _codes(db, first.id)["carers_families"]
    assert (code.status, code.review_version) == ("rejected", 1)
    decision = db.session.scalar(select(CodeDecision).where(CodeDecision.code_id == code.id))
    assert (decision.before, decision.decision) == ("proposed", "rejected") and decision.at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "code.decided"))
    assert (event.target_id, event.details["before"], event.details["after"]) == (code.id, "proposed", "rejected")
    # A rejected code's evidence is no longer marked.
    assert "crisis pathway with carers</mark>" not in client.get(f"/review/answers/{first.id}").text
    # Undo restores the standing before it and removes the decision.
    client.post(f"/review/answers/{first.id}/undo", {})
    assert _codes(db, first.id)["carers_families"].status == "proposed"
    assert db.session.scalar(select(CodeDecision).where(CodeDecision.code_id == code.id)) is None


def test_two_reviewers_on_one_code_lose_nothing(browser_factory, submitted, reviewer, lead, db):
    first, *_ = coded_answers(submitted)
    robin, pat = browser_factory(), browser_factory()
    sign_in(robin, *reviewer)
    sign_in(pat, *lead)
    code = _codes(db, first.id)["community_partnership"]
    robin_seen = _seen(robin.get(f"/review/answers/{first.id}").text)[code.id]
    pat_seen = _seen(pat.get(f"/review/answers/{first.id}").text)[code.id]
    assert (
        pat.post(f"/review/answers/{first.id}/codes/{code.id}", {"decision": "accepted", "seen": pat_seen}).status_code
        == 302
    )
    late = robin.post(f"/review/answers/{first.id}/codes/{code.id}", {"decision": "rejected", "seen": robin_seen})
    assert late.status_code == 409
    assert "Pat Lead decided this code while you were looking at it: it is now accepted" in html.unescape(late.text)
    assert _codes(db, first.id)["community_partnership"].status == "accepted"  # Pat's decision stands
    # Robin chooses again from the page showing Pat's decision: now it is applied.
    again = robin.post(
        f"/review/answers/{first.id}/codes/{code.id}", {"decision": "rejected", "seen": _seen(late.text)[code.id]}
    )
    assert again.status_code == 302
    assert _codes(db, first.id)["community_partnership"].status == "rejected"
    rows = db.session.scalars(select(CodeDecision).where(CodeDecision.code_id == code.id)).all()
    assert sorted((r.decision, r.before) for r in rows) == [("accepted", "proposed"), ("rejected", "accepted")]


def test_a_decision_on_a_code_a_retag_removed_says_so(client, submitted, reviewer, db):
    first, *_ = coded_answers(submitted)
    sign_in(client, *reviewer)
    code = _codes(db, first.id)["carers_families"]
    seen = _seen(client.get(f"/review/answers/{first.id}").text)[code.id]
    db.session.delete(db.session.get(Code, code.id))  # as a re-tag deletes a code no longer found
    db.session.commit()
    gone = client.post(f"/review/answers/{first.id}/codes/{code.id}", {"decision": "accepted", "seen": seen})
    assert gone.status_code == 409
    assert "This code no longer exists: the answers were re-tagged" in html.unescape(gone.text)
    assert db.session.scalar(select(CodeDecision)) is None


def test_adding_a_code_by_quoting_a_passage(client, submitted, reviewer, db):
    first, *_ = coded_answers(submitted)
    sign_in(client, *reviewer)
    client.get(f"/review/answers/{first.id}")
    missing = client.post(f"/review/answers/{first.id}/codes", {"theme": "anti_racism", "quote": "racism"})
    assert missing.status_code == 400
    assert "The passage you quoted is not in this answer" in html.unescape(missing.text)
    assert "anti_racism" not in _codes(db, first.id)
    unknown = client.post(f"/review/answers/{first.id}/codes", {"theme": "nope", "quote": "carers"})
    assert unknown.status_code == 400 and "Not a valid choice" in unknown.text
    added = client.post(f"/review/answers/{first.id}/codes", {"theme": "anti_racism", "quote": "Faith Groups"})
    assert added.status_code == 302
    code = _codes(db, first.id)["anti_racism"]
    assert (code.source, code.status) == ("reviewer", "accepted")
    start, end = code.spans[0]
    assert first.text[start:end] == "faith groups"
    # A selection's offsets pick the occurrence selected; a second passage joins the same code.
    text = first.text
    at = text.index("with")
    client.post(
        f"/review/answers/{first.id}/codes", {"theme": "anti_racism", "quote": "with", "start": at, "end": at + 4}
    )
    assert _codes(db, first.id)["anti_racism"].spans == sorted([[start, end], [at, at + 4]])


def test_mark_reviewed_decides_the_rest_and_goes_to_the_next_unreviewed(client, submitted, reviewer, db):
    first, second, third = coded_answers(submitted)
    sign_in(client, *reviewer)
    client.get(f"/review/answers/{second.id}?commitment=1")
    client.post(f"/review/answers/{second.id}/reviewed?commitment=1", {})
    client.get(f"/review/answers/{first.id}?commitment=1")
    done = client.post(f"/review/answers/{first.id}/reviewed?commitment=1", {})
    assert done.headers["location"].endswith(f"/review/answers/{third.id}?round={first.response.round_id}&commitment=1")
    codes = _codes(db, first.id)
    assert (codes["community_partnership"].status, codes["carers_families"].status) == ("accepted", "rejected")
    assert db.session.scalar(select(AnswerReview).where(AnswerReview.answer_id == first.id)) is not None
    # Navigation: j/k links and search within the list.
    page = client.get(f"/review/answers/{second.id}?commitment=1").text
    assert f'data-next="/review/answers/{third.id}?' in page and f'data-previous="/review/answers/{first.id}?' in page
    found = client.get(f"/review/answers/{first.id}/search?q=CULTURAL&commitment=1")
    assert f"/review/answers/{third.id}?" in found.headers["location"]
    none = client.get(f"/review/answers/{first.id}/search?q=zebra", follow_redirects=True)
    assert "No answer in this list contains “zebra”" in html.unescape(none.text)


def test_undo_never_overwrites_a_colleagues_later_decision(browser_factory, submitted, reviewer, lead, db):
    first, *_ = coded_answers(submitted)
    robin, pat = browser_factory(), browser_factory()
    sign_in(robin, *reviewer)
    sign_in(pat, *lead)
    code = _codes(db, first.id)["community_partnership"]
    robin.get(f"/review/answers/{first.id}")
    robin.post(f"/review/answers/{first.id}/codes/{code.id}", {"decision": "accepted", "seen": 0})
    pat.get(f"/review/answers/{first.id}")
    pat.post(f"/review/answers/{first.id}/codes/{code.id}", {"decision": "rejected", "seen": 1})
    refused = robin.post(f"/review/answers/{first.id}/undo", {})
    assert refused.status_code == 409
    assert "Pat Lead decided this code after you did: undoing yours would overwrite theirs." in refused.text
    assert _codes(db, first.id)["community_partnership"].status == "rejected"
    nothing = pat.post(f"/review/answers/{first.id + 1}/undo", {})
    assert nothing.status_code == 409 and "There is nothing of yours to undo on this answer." in nothing.text
