"""Double coding: the lead assigns a sample to two reviewers, who decide blind to each other; the lead sees their
agreement and resolves the disagreements."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from survey.models import Code
from survey.models.review import DoubleCoding
from survey.services import staff
from tests.staff_login import sign_in
from tests.survey.conftest import LEAD_PASSWORD
from tests.survey.review_data import CODED, coded_answers

SEEN = re.compile(r'id="code-(\d+)".*?name="seen" value="(\d+)"', re.S)


def _decide(client, answer_id, code_id, decision):
    page = client.get(f"/review/answers/{answer_id}").text
    seen = dict(SEEN.findall(page))[str(code_id)]
    return client.post(f"/review/answers/{answer_id}/codes/{code_id}", {"decision": decision, "seen": seen})


def test_two_reviewers_code_blind_and_the_lead_resolves(browser_factory, submitted, reviewer, lead, db):
    answers = coded_answers(submitted, CODED[:1])
    second = staff.create_user("sam@pledge.example", LEAD_PASSWORD, role="reviewer", name="Sam Second")
    db.session.commit()
    round_id = answers[0].response.round_id
    pat, robin, sam = browser_factory(), browser_factory(), browser_factory()
    sign_in(pat, *lead)
    sign_in(robin, *reviewer)
    sign_in(sam, "sam@pledge.example", LEAD_PASSWORD)
    robin_id = db.session.scalar(select(staff.User.id).where(staff.User.email == reviewer[0]))

    pat.get(f"/review/rounds/{round_id}/double-coding")
    same = pat.post(f"/review/rounds/{round_id}/double-coding", {"first": robin_id, "second": robin_id, "size": 1})
    assert same.status_code == 400 and "Choose two different reviewers" in same.text
    too_many = pat.post(f"/review/rounds/{round_id}/double-coding", {"first": robin_id, "second": second.id, "size": 5})
    assert "Enter a sample size from 1 to 1" in too_many.text
    assert db.session.scalar(select(DoubleCoding)) is None
    assert (
        pat.post(
            f"/review/rounds/{round_id}/double-coding", {"first": robin_id, "second": second.id, "size": 1}
        ).status_code
        == 302
    )
    assert "Your answers to code" in robin.get(f"/review/rounds/{round_id}/double-coding").text
    assert (
        robin.post(
            f"/review/rounds/{round_id}/double-coding", {"first": robin_id, "second": second.id, "size": 1}
        ).status_code
        == 403
    )

    codes = {c.theme_key: c for c in db.session.scalars(select(Code).where(Code.answer_id == answers[0].id))}
    community, carers = codes["community_partnership"].id, codes["carers_families"].id
    assert _decide(robin, answers[0].id, community, "accepted").status_code == 302
    assert _decide(robin, answers[0].id, carers, "accepted").status_code == 302
    # Sam sees neither Robin's decisions nor the code's standing move.
    page = html.unescape(sam.get(f"/review/answers/{answers[0].id}").text)
    assert "you see only your own decisions" in page and "Accepted</strong>" not in page
    db.session.rollback()
    assert db.session.get(Code, community).status == "proposed"
    _decide(sam, answers[0].id, carers, "rejected")
    robin.post(f"/review/answers/{answers[0].id}/reviewed", {})
    assert "In progress" in pat.get(f"/review/rounds/{round_id}/double-coding").text
    sam.post(f"/review/answers/{answers[0].id}/reviewed", {})  # Sam's undecided strong code: accepted

    overview = html.unescape(pat.get(f"/review/rounds/{round_id}/double-coding").text)
    assert "Over 1 answer both have finished." in overview
    coding = db.session.scalar(select(DoubleCoding))
    resolve = html.unescape(pat.get(f"/review/double-coding/{coding.id}").text)
    assert "Carers and families: Robin Reviewer accepted, Sam Second rejected" in resolve
    assert "Community partnership and co-production: accepted" in resolve
    missing = pat.post(f"/review/double-coding/{coding.id}", {})
    assert missing.status_code == 400 and "Choose accept or reject for every theme they disagree on" in missing.text
    assert pat.post(f"/review/double-coding/{coding.id}", {f"code-{carers}": "rejected"}).status_code == 302
    db.session.rollback()
    assert (db.session.get(Code, community).status, db.session.get(Code, carers).status) == ("accepted", "rejected")
    assert db.session.get(DoubleCoding, coding.id).resolved_at is not None
