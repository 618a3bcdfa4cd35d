"""A real `worker.py` against real Redis: tagging after submission, kill -9 mid-batch, SIGTERM, Redis outages."""

from __future__ import annotations

import gc
import logging
import signal

import pytest
from sqlalchemy import func, select

import worker
from survey.models import Answer, Code, Job
from survey.services import tagging

pytestmark = pytest.mark.worker


def _job(db, job_id: int) -> Job:
    """The Job row as the worker left it."""
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _all_tagged(db, round_id: int, total: int) -> bool:
    """Whether every answer of the round is tagged."""
    return tagging.tagging_counts(round_id) == {"tagged": total, "pending": 0, "failed": 0}


def _no_duplicate_codes(db) -> None:
    """One rule code per answer and theme."""
    rows = db.session.execute(select(Code.answer_id, Code.theme_key, Code.source)).all()
    assert rows and len(rows) == len(set(rows))


def test_worker_tags_answers_after_submission(submitted, workers, db, wait):
    proc = workers.start()
    resp = submitted.response()
    tagging.after_submission(resp.id)
    job = db.session.scalars(select(Job)).one()
    assert job.params["rq_ids"] and job.target_type == "response"
    wait(lambda: _job(db, job.id).status == "finished", what="the tagging job")
    assert _all_tagged(db, submitted.round.id, 4)
    assert _job(db, job.id).progress == 4
    _no_duplicate_codes(db)
    assert proc.poll() is None, workers.log()


def test_redis_down_at_submission_then_tagged_by_the_worker_sweep(submitted, workers, app, db, caplog, wait):
    resp = submitted.response()
    app.config["REDIS_URL"], up = "redis://127.0.0.1:6390/0", app.config["REDIS_URL"]
    app.extensions["redis"] = None
    with caplog.at_level(logging.WARNING, logger="survey.services.tagging"):
        tagging.after_submission(resp.id)  # must not raise: the submission is already committed
    app.config["REDIS_URL"] = up
    app.extensions["redis"] = None
    assert "await tagging" in caplog.text
    db.session.rollback()
    assert tagging.tagging_counts(submitted.round.id)["pending"] == 4
    workers.start()  # sweeps at start: the orphaned Job row is resumed
    wait(lambda: _all_tagged(db, submitted.round.id, 4), what="the sweep to tag the answers")
    wait(lambda: [j.status for j in db.session.scalars(select(Job))] == ["finished"], what="the resumed job")


def test_kill_9_mid_batch_loses_nothing_and_duplicates_nothing(submitted, workers, db, wait):
    for _ in range(3):
        submitted.response()
    first = workers.start(delay=30)
    job = tagging.launch_tagging("round", submitted.round.id)
    wait(lambda: _job(db, job.id).status == "running", what="the batch to start")
    workers.kill9(first)
    db.session.rollback()
    assert tagging.tagging_counts(submitted.round.id)["pending"] == 12
    assert db.session.scalar(select(func.count()).select_from(Code)) == 0

    workers.start()  # its start-up sweep sees the job's worker is dead and queues the batch again
    wait(lambda: _job(db, job.id).status == "finished", what="the resumed job", timeout=90)
    assert _all_tagged(db, submitted.round.id, 12)
    _no_duplicate_codes(db)
    assert "1 tagging job(s) queued or resumed" in workers.log(1)


def test_sigterm_finishes_the_current_job_then_exits_cleanly(submitted, workers, db, wait):
    resp = submitted.response()
    proc = workers.start(delay=3)
    job = tagging.launch_tagging("response", resp.id)
    wait(lambda: _job(db, job.id).status == "running", what="the batch to start")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0, workers.log()
    assert _job(db, job.id).status == "finished"
    assert db.session.scalar(select(func.count()).select_from(Answer).where(Answer.tagging == "tagged")) == 4


def test_retag_command_runs_on_the_worker(submitted, workers, app, db, wait):
    submitted.response()
    tagging.launch_tagging("round", submitted.round.id)  # queued: no worker yet
    workers.start()
    result = app.test_cli_runner().invoke(args=["nlp", "retag", "--round", str(submitted.round.id)])
    assert result.exit_code == 0, result.output
    job = db.session.scalars(select(Job).where(Job.kind == "retag")).one()
    wait(lambda: _job(db, job.id).status == "finished", what="the re-tag job")
    assert _all_tagged(db, submitted.round.id, 4)
    _no_duplicate_codes(db)


def test_prepare_loads_the_pipelines_then_freezes_the_heap_for_the_horses(app, db, factory):
    """Before forking: the current codebook's pipeline is built and every live object is frozen, so a horse's
    garbage collections do not copy the pages it shares with the parent."""
    factory.round()  # a pledge, so there is a codebook to load
    gc.unfreeze()
    try:
        worker.prepare(app)
        assert gc.get_freeze_count() > 0
        [version_id] = tagging.preload_pipelines()
        assert tagging.pipeline_loaded(version_id)
    finally:
        gc.unfreeze()
