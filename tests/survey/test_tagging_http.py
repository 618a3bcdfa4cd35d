"""Tagging after a real HTTP submission: inline without Redis, and deferred when Redis is down."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from survey.models import Answer, Code, Job, Response
from survey.services import tagging
from tests.answers import submit_report


def _states(db, response_id: int) -> set[str]:
    """The tagging states of a response's free-text answers."""
    db.session.rollback()
    return set(
        db.session.scalars(select(Answer.tagging).where(Answer.response_id == response_id, Answer.text.is_not(None)))
    )


def test_inline_submission_tags_the_answers(client, factory, db):
    resp = submit_report(client, factory, factory.round())
    assert _states(db, resp.id) == {"tagged"}
    job = db.session.scalars(select(Job).where(Job.kind != "mail")).one()  # the receipts have their own job
    assert (job.kind, job.target_type, job.target_id, job.status) == ("tag", "response", resp.id, "finished")
    keys = set(db.session.scalars(select(Code.theme_key)))
    assert {"community_partnership", "mha_coercion", "barriers_capacity"} <= keys


@pytest.mark.worker
def test_submission_succeeds_with_redis_down_and_is_tagged_later(
    client, factory, app, redis_url, workers, wait, db, caplog
):
    app.config["REDIS_URL"] = "redis://127.0.0.1:6390/0"  # nothing listens here
    app.extensions["redis"] = None
    rnd = factory.round()
    with caplog.at_level(logging.WARNING, logger="survey.services.tagging"):
        resp = submit_report(client, factory, rnd)
    assert "await tagging" in caplog.text
    db.session.expire_all()
    assert db.session.get(Response, resp.id).status == "submitted"
    assert _states(db, resp.id) == {"pending"}
    app.config["REDIS_URL"] = redis_url
    app.extensions["redis"] = None
    result = app.test_cli_runner().invoke(args=["nlp", "sweep"])
    assert result.exit_code == 0 and "1 tagging job(s)" in result.output, result.output
    workers.start(burst=True).wait(60)
    wait(lambda: _states(db, resp.id) == {"tagged"}, what="tagging after the sweep")
    assert tagging.tagging_counts(rnd.id)["pending"] == 0
