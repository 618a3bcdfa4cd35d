"""The outbox's job path with real worker processes on Redis: an SMTP server that is down at first is retried by RQ
and each message arrives once; messages written while Redis was away are sent by the worker's sweep; automatic
reminders run from RQ's scheduler in the worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from survey import mail_jobs
from survey.models import Job, OutboxMessage
from survey.services import outbox
from tests.survey.mail_server import free_port

pytestmark = pytest.mark.worker


def _round(factory, db, organisations: int = 2):
    rnd = factory.round()
    responses = [factory.response(rnd, factory.organisation()) for _ in range(organisations)]
    db.session.commit()
    return rnd, responses


def _point_workers_at(monkeypatch, smtp) -> None:
    """Workers started from now on send to this SMTP server."""
    monkeypatch.setenv("MAIL_SERVER", "127.0.0.1")
    monkeypatch.setenv("MAIL_PORT", str(smtp.port))


def _statuses(db) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_an_smtp_server_down_at_first_is_retried_and_each_message_arrives_once(
    factory, db, smtp, workers, redis_url, wait, monkeypatch
):
    rnd, _ = _round(factory, db)
    smtp.stop()  # nothing listens on its port: connections are refused
    _point_workers_at(monkeypatch, smtp)
    outbox.invite_round(rnd.id, actor_id=None)
    db.session.commit()
    assert mail_jobs.send_round(rnd.id)
    workers.start()
    wait(lambda: db.session.scalar(select(Job.error).where(Job.kind == "mail")) is not None, 60, "a failed attempt")
    assert _statuses(db) == ["queued"] * 4 and db.session.scalar(select(Job.status)) == "running"
    smtp.start()  # back before RQ's retry, 5 s later
    wait(lambda: _statuses(db) == ["sent"] * 4, 60, "the retry to send them")
    assert sorted(m["X-Pledge-Outbox"] for m in smtp.inbox.messages) == sorted(
        db.session.scalars(select(OutboxMessage.key))
    )  # each once
    wait(lambda: db.session.scalar(select(Job.status)) == "finished", 30, "the job to finish")


def test_messages_written_while_redis_was_away_are_sent_by_the_sweep(
    factory, db, smtp, workers, redis_url, wait, monkeypatch, app
):
    rnd, _ = _round(factory, db, organisations=1)
    app.config["REDIS_URL"], app.extensions["redis"] = f"redis://127.0.0.1:{free_port()}/0", None
    outbox.invite_round(rnd.id, actor_id=None)
    db.session.commit()
    assert mail_jobs.send_round(rnd.id) is False  # Redis is away: the messages wait in the outbox
    app.config["REDIS_URL"], app.extensions["redis"] = redis_url, None
    assert _statuses(db) == ["queued", "queued"] and smtp.inbox.messages == []
    _point_workers_at(monkeypatch, smtp)
    workers.start()  # its start-up sweep finds the round's queued messages that no job covers
    wait(lambda: _statuses(db) == ["sent", "sent"], 60, "the sweep to send them")
    assert len(smtp.inbox.messages) == 2


def test_automatic_reminders_run_from_the_scheduler_in_the_worker(
    factory, db, smtp, workers, redis_url, wait, monkeypatch
):
    rnd, responses = _round(factory, db)
    outbox.invite_round(rnd.id, actor_id=None)
    responses[0].status = "submitted"
    outbox.set_policy(rnd.id, [3], max_per_contact=1, min_gap_days=1)
    db.session.commit()
    mail_jobs.send_round(rnd.id)  # queued: the worker will send the invitations too
    times = mail_jobs.schedule_reminders(rnd.id)
    due = datetime.combine(rnd.deadline - timedelta(days=3), datetime.min.time()).replace(hour=9)
    assert list(times) == [3] and times[3].astimezone(UTC).date() == due.date()
    conn = Redis.from_url(redis_url)
    assert ScheduledJobRegistry("default", connection=conn).get_job_ids() == [f"pledge-reminders-{rnd.id}-3"]
    mail_jobs.schedule_at(rnd.id, 0, datetime.now(UTC) + timedelta(seconds=2))  # one due now, to watch it run
    _point_workers_at(monkeypatch, smtp)
    workers.start()
    wait(lambda: len([m for m in smtp.inbox.messages if m["Subject"].startswith("Reminder")]) == 2, 60, "reminders")
    reminded = sorted(m["To"] for m in smtp.inbox.messages if m["Subject"].startswith("Reminder"))
    org = responses[1].organisation_id
    assert reminded == [f"p0.org{org}@trust.example", f"p1.org{org}@trust.example"]  # never the submitted one
    wait(lambda: _statuses(db).count("sent") == 6, 30, "every message sent")
    conn.close()
