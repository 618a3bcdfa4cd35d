"""`flask --app survey demo`: a realistic demo that can be run twice without duplicating anything."""

from __future__ import annotations

import json

import pyotp
from sqlalchemy import func, select

from survey.models import Answer, Code, Invitation, Organisation, Response, Round, User
from survey.services import twofactor


def counts(db) -> dict[str, int]:
    db.session.expire_all()
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Organisation, Round, Response, Answer, Code, Invitation, User)
    }


def test_demo_seeds_rounds_reports_codes_and_links_once(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--json"])
    assert result.exit_code == 0, result.output
    first = json.loads(result.output)
    before = counts(db)
    assert before["organisations"] == 33 and before["rounds"] == 2
    previous, current = db.session.scalars(select(Round).order_by(Round.number)).all()
    assert previous.closed_at is not None and current.closed_at is None
    statuses = dict(
        db.session.execute(
            select(Response.status, func.count()).where(Response.round_id == current.id).group_by(Response.status)
        ).all()
    )
    assert statuses["submitted"] >= 12 and statuses["in_progress"] >= 5 and statuses["not_started"] >= 1
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Response)
            .where(Response.round_id == previous.id, Response.status == "submitted")
        )
        == 28
    )
    # Every submitted free-text answer has been tagged, and most have at least one theme.
    submitted_text = select(Answer.id).join(Response).where(Response.status == "submitted", Answer.text.is_not(None))
    assert (
        db.session.scalar(
            select(func.count()).select_from(Answer).where(Answer.id.in_(submitted_text), Answer.tagging != "tagged")
        )
        == 0
    )
    coded = db.session.scalar(select(func.count(func.distinct(Code.answer_id))))
    assert coded > 0.8 * db.session.scalar(select(func.count()).select_from(submitted_text.subquery()))
    # Free text reads like a report: several paragraphs, and varied.
    texts = db.session.scalars(select(Answer.text).where(Answer.question_key == "actions")).all()
    assert len(set(texts)) > 0.95 * len(texts)
    assert sum("\n\n" in t for t in texts) > len(texts) / 2
    assert first["base_url"] and len(first["respondent_links"]) == 66
    assert {s["role"] for s in first["staff_logins"]} == {"lead", "reviewer"}
    for login in first["staff_logins"]:  # each printed secret is the account's, two-factor set up
        user = db.session.scalar(select(User).where(User.email == login["email"]))
        assert user.totp_enrolled_at is not None and user.totp_secret == login["totp_secret"]
        assert len(login["totp_secret"]) == 32 and twofactor.accept_code(user, pyotp.TOTP(login["totp_secret"]).now())
    db.session.rollback()

    again = runner.invoke(args=["demo", "--json"])
    assert again.exit_code == 0, again.output
    assert counts(db) == before
    assert json.loads(again.output) == first  # the same links and log-ins

    # A printed link opens its organisation's report.
    link = first["respondent_links"][0]["url"].split("/r/", 1)[1]
    client = app.test_client()
    assert client.get(f"/r/{link}").status_code == 302
