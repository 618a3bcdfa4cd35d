"""The staff home per role, the staff error pages, the whole report for staff, and the agreement page with
reviewer-against-reviewer kappa checked against a hand computation."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import delete, select
from werkzeug.exceptions import Conflict, InternalServerError, Unauthorized

from survey import errors
from survey.extensions import db as _db
from survey.models import Answer, AnswerReview, Code, CodeDecision, Response
from survey.services import browse, double_coding
from survey.services.browse import Filters, ReviewStatus
from tests.answers import submit_report
from tests.review_data import PASSWORD, seed_round
from tests.staff_login import sign_in


def _text(reply) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", reply.text)))


def test_reviewers_land_on_their_home_with_progress_per_commitment(client, db):
    seeded = seed_round(3, commitments=2)
    reply = sign_in(client, "reviewer2.1@pledge.example", PASSWORD)  # a first sign-in: two-factor is set up
    assert 'href="/review/" draggable="false">I have kept them: continue' in reply.text  # then on to their home
    home = _text(client.get("/review/"))
    assert "Your review work" in home and "Round 1" in home
    # 18 answers; the 1st, 6th, 11th and 16th are reviewed (by reviewer 1), the 1st and 11th by reviewer 2 too.
    assert "14 of 18 answers to review; 2 reviewed by you" in home
    assert re.search(r"Commitment 1 : answers to review 9 8 1", home)
    assert re.search(r"Commitment 2 : answers to review 9 6 1", home)
    assert client.get(f"/review/rounds/{seeded.round_id}/agreement").status_code == 200


def test_staff_error_pages_say_what_to_do(client, db, app):
    seed_round(1, commitments=1)
    assert client.get("/review/").headers["location"].startswith("/auth/login")
    sign_in(client, "reviewer1.1@pledge.example", PASSWORD)
    forbidden = client.get("/manage/")
    assert forbidden.status_code == 403
    text = _text(forbidden)
    assert "You cannot do this" in text and "Go to your staff home" in text and "Forbidden" not in forbidden.text
    missing = client.get("/review/rounds/99999/answers")
    assert missing.status_code == 404 and "Go to your staff home" in _text(missing)
    with app.test_request_context("/review/"):
        for error, status, says in (
            (Unauthorized(), 401, "Sign in to continue"),
            (Conflict(), 409, "Someone else changed this first"),
            (InternalServerError(), 500, "Sorry, there is a problem with the service"),
        ):
            body, code = errors._http_error(error)
            assert code == status and says in body and "nhsuk-header" in body


def test_the_whole_report_shows_every_answer_with_codes_beside_free_text(
    client, browser_factory, factory, reviewer, db
):
    resp = submit_report(browser_factory(), factory, factory.round(), "Northmoor NHS Trust")
    sign_in(client, *reviewer)
    page = client.get(f"/manage/responses/{resp.id}")
    assert page.status_code == 200
    text = _text(page)
    for expected in (
        "Chief Executive",  # who responded
        "Early progress",  # a self-rating
        "Mental Health Act detentions",  # a commitment-2 measure
        "20,000",  # a count
        "first ethnicity data dashboard",  # next steps (its evidence marked)
        "Quote us anonymously",  # consent
        "Declared accurate by Ada Obi",  # declaration
        "Saved by Person 0 of",  # who saved what
    ):
        assert expected in text, expected
    assert '<mark class="app-evidence' in page.text and "evidence for" in page.text


@pytest.fixture()
def double_coded(db):
    """Four answers both reviewers marked reviewed, with decisions on two themes as in the hand computation."""
    seeded = seed_round(2, commitments=2)
    _db.session.execute(delete(CodeDecision))
    _db.session.execute(delete(AnswerReview))
    answers = _db.session.scalars(
        select(Answer.id).join(Response).where(Response.round_id == seeded.round_id).order_by(Answer.id).limit(4)
    ).all()
    template = _db.session.scalar(select(Code).where(Code.answer_id == answers[0]).limit(1))
    _db.session.execute(delete(Code).where(Code.answer_id.in_(answers)))
    r1, r2 = seeded.reviewers
    # answer: {theme: (reviewer 1 accepts, reviewer 2 accepts)}
    table = {
        0: {"workforce": (True, True), "anti_racism": (True, False)},
        1: {"workforce": (True, True)},
        2: {"anti_racism": (False, True)},
        3: {"workforce": (False, True)},
    }
    for index, themes in table.items():
        answer_id = answers[index]
        for key, (first, second) in themes.items():
            code = Code(
                answer_id=answer_id,
                theme_id=template.theme_id,
                theme_key=key,
                codebook_version_id=template.codebook_version_id,
                source="rule",
                spans=[],
            )
            _db.session.add(code)
            _db.session.flush()
            for who, accepts in ((r1, first), (r2, second)):
                _db.session.add(
                    CodeDecision(code_id=code.id, reviewer_id=who, decision="accepted" if accepts else "rejected")
                )
        for who in (r1, r2):
            _db.session.add(AnswerReview(answer_id=answer_id, reviewer_id=who))
    _db.session.commit()
    return seeded, answers


def test_reviewer_kappa_matches_a_hand_computation(double_coded, client):
    seeded, answers = double_coded
    (pair,) = double_coding.reviewer_pairs(seeded.round_id, ["workforce", "anti_racism"])
    assert (pair.first, pair.second, pair.agreement.answers) == ("Reviewer 1", "Reviewer 2", 4)
    workforce, anti_racism = pair.agreement.themes
    # workforce: reviewer 1 {a0, a1}, reviewer 2 {a0, a1, a3}: observed 3/4, chance .5·.75 + .5·.25 = .5 → 0.5
    assert (workforce.tp, workforce.fp, workforce.fn, workforce.tn) == (2, 0, 1, 1)
    assert workforce.kappa == pytest.approx(0.5)
    # anti-racism: {a0} against {a2}: observed 2/4, chance .25·.25 + .75·.75 = .625 → (.5 − .625) / .375 = −1/3
    assert anti_racism.kappa == pytest.approx(-1 / 3)
    # Disputed: two reviewers decided a code differently (a0, a2, a3); a1 they agree on.
    statuses = {r.answer_id: r.status for r in browse.page(seeded.round_id, Filters()).rows if r.answer_id in answers}
    assert [statuses[a] for a in answers] == [
        ReviewStatus.DISPUTED,
        ReviewStatus.REVIEWED,
        *[ReviewStatus.DISPUTED] * 2,
    ]

    sign_in(client, "reviewer1.1@pledge.example", PASSWORD)
    text = _text(client.get(f"/review/rounds/{seeded.round_id}/agreement"))
    assert "Reviewer 1 and Reviewer 2: 4 answers coded by both" in text
    assert re.search(r"Workforce diversity, training and culture 0\.50 75%", text)
    assert re.search(r"Anti-racism and institutional racism -0\.33 50%", text)
