"""A real `worker.py` against real Redis: tagging after submission, kill -9 mid-batch (at each point of a two-batch
job, recovered by a new worker or by a running worker's periodic sweep), SIGTERM, Redis outages."""

from __future__ import annotations

import gc
import logging
import signal
from collections.abc import Iterator
from dataclasses import replace

import pytest
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from sqlalchemy import func, select

import worker
from survey import jobs
from survey.models import Answer, Code, Job, Response
from survey.services import jobs as lifecycle
from survey.services import pipelines, tagging
from tests.staff_login import sign_in

pytestmark = pytest.mark.worker

DOWN = "redis://127.0.0.1:6390/0"  # nothing listens here


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
    job = jobs.launch(tagging.TAG, "round", submitted.round.id).job
    wait(lambda: _job(db, job.id).status == "running", what="the batch to start")
    workers.kill9(first)
    db.session.rollback()
    assert tagging.tagging_counts(submitted.round.id)["pending"] == 12
    assert db.session.scalar(select(func.count()).select_from(Code)) == 0

    workers.start()  # its start-up sweep sees the job's worker is dead and queues the batch again
    wait(lambda: _job(db, job.id).status == "finished", what="the resumed job", timeout=90)
    assert _all_tagged(db, submitted.round.id, 12)
    _no_duplicate_codes(db)
    assert "0 codebook preview job(s), 0 suggester training job(s), 1 tagging job(s) queued or resumed" in workers.log(
        1
    )


def test_sigterm_finishes_the_current_job_then_exits_cleanly(submitted, workers, db, wait):
    resp = submitted.response()
    proc = workers.start(delay=3)
    job = jobs.launch(tagging.TAG, "response", resp.id).job
    wait(lambda: _job(db, job.id).status == "running", what="the batch to start")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0, workers.log()
    assert _job(db, job.id).status == "finished"
    assert db.session.scalar(select(func.count()).select_from(Answer).where(Answer.tagging == "tagged")) == 4


def test_retag_command_runs_on_the_worker(submitted, workers, app, db, wait):
    submitted.response()
    jobs.launch(tagging.TAG, "round", submitted.round.id)  # queued: no worker yet
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
        [version_id] = pipelines.preload_pipelines()
        assert pipelines.pipeline_loaded(version_id)
    finally:
        gc.unfreeze()


# Two-batch jobs: the worker killed at each point, and who recovers it.


@pytest.fixture()
def rq_conn(redis_url: str) -> Iterator[Redis]:
    """A connection to the test Redis, to look at the RQ jobs behind a Job row."""
    conn = Redis.from_url(redis_url)
    yield conn
    conn.close()


@pytest.fixture()
def two_batches(submitted, monkeypatch):
    """A round of 8 pending answers that this process queues as two batches of 4."""
    monkeypatch.setitem(lifecycle.KINDS, "tag", replace(tagging.TAG, batch_size=4))
    submitted.response()
    submitted.response()
    return submitted.round


def _status(conn: Redis, rq_id: str) -> str | None:
    """An RQ job's status, None once it is deleted."""
    try:
        return RQJob.fetch(rq_id, connection=conn).get_status()
    except NoSuchJobError:
        return None


def _held(conn: Redis, rq_id: str) -> list[int]:
    """The answer ids an RQ tagging job holds."""
    return list(RQJob.fetch(rq_id, connection=conn).args[1])


def _pending(db, round_id: int) -> int:
    """How many of the round's answers wait for tagging."""
    db.session.rollback()
    return tagging.tagging_counts(round_id)["pending"]


def _finished_once(db, round_id: int, job_id: int) -> None:
    """Every answer tagged, the job finished with progress == total, and each answer's codes written once."""
    job = _job(db, job_id)
    assert (job.status, job.progress, job.error) == ("finished", job.total, None)
    assert _all_tagged(db, round_id, job.total)
    _no_duplicate_codes(db)
    # Every response holds the same texts, so the same (question, theme) codes: none missing, none doubled.
    rows = db.session.execute(
        select(Answer.response_id, Answer.field_key, Code.theme_key)
        .join(Code, Code.answer_id == Answer.id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.round_id == round_id)
    ).all()
    per_response: dict[int, list[tuple[str, str]]] = {}
    for response_id, field_key, theme_key in rows:
        per_response.setdefault(response_id, []).append((field_key, theme_key))
    codes = [sorted(found) for found in per_response.values()]
    assert len(codes) == 2 and codes[0] and codes[0] == codes[1]


def _launch_two_batches(db, rq_conn: Redis, round_id: int) -> tuple[Job, str, str]:
    """Launch the round's tagging: one Job row, two queued RQ jobs of 4 answers each."""
    job = jobs.launch(tagging.TAG, "round", round_id).job
    first, second = job.params["rq_ids"]
    assert [len(_held(rq_conn, first)), len(_held(rq_conn, second))] == [4, 4]
    return job, first, second


def test_kill_in_batch_1_while_batch_2_waits_queues_batch_1_again_and_only_it(two_batches, workers, rq_conn, db, wait):
    """The probe's case: the restarted worker's sweep must see batch 1 is lost although batch 2 still waits."""
    job, first, second = _launch_two_batches(db, rq_conn, two_batches.id)
    batch_1 = _held(rq_conn, first)
    doomed = workers.start(delay=30)
    wait(lambda: _status(rq_conn, first) == "started" and _job(db, job.id).status == "running", what="batch 1 to start")
    workers.kill9(doomed)
    assert _status(rq_conn, second) == "queued" and _pending(db, two_batches.id) == 8

    workers.start()  # its start-up sweep, before it takes batch 2
    wait(lambda: _job(db, job.id).status == "finished", what="the resumed job", timeout=40)
    _finished_once(db, two_batches.id, job.id)
    kept, requeued = _job(db, job.id).params["rq_ids"]
    assert kept == second and _held(rq_conn, requeued) == batch_1  # batch 2 was never queued twice
    assert _status(rq_conn, first) is None  # taken over, so RQ's clean-up will not retry it too
    assert (
        "sweep: 0 codebook preview job(s), 0 suggester training job(s), 1 tagging job(s) queued or resumed"
        in workers.log(1)
    )


def test_kill_in_batch_2_after_batch_1_finished_queues_batch_2_again(two_batches, workers, rq_conn, db, wait):
    job, first, second = _launch_two_batches(db, rq_conn, two_batches.id)
    batch_2 = _held(rq_conn, second)
    doomed = workers.start(delay=5)  # each batch pauses 5 s before writing
    wait(lambda: _status(rq_conn, second) == "started", what="batch 2 to start", timeout=40)
    workers.kill9(doomed)
    assert _status(rq_conn, first) == "finished"
    assert _pending(db, two_batches.id) == 4 and _job(db, job.id).progress == 4

    workers.start()
    wait(lambda: _job(db, job.id).status == "finished", what="the resumed job", timeout=40)
    _finished_once(db, two_batches.id, job.id)
    [requeued] = _job(db, job.id).params["rq_ids"]
    assert _held(rq_conn, requeued) == batch_2


def test_kill_after_both_batches_wrote_but_before_one_was_counted_is_closed_by_the_periodic_sweep(
    two_batches, workers, rq_conn, db, wait, monkeypatch
):
    """No restart: a second worker, already running (its start-up sweep found nothing), notices within its sweep
    interval that the job is all tagged but stuck at 4/8 ("running 172/672" in the probe) and closes it."""
    job, first, second = _launch_two_batches(db, rq_conn, two_batches.id)
    monkeypatch.setenv("PLEDGE_TEST_PROGRESS_DELAY", "30")  # batch 1 is written, then waits to be counted
    doomed = workers.start()
    wait(lambda: _status(rq_conn, first) == "started", what="batch 1 to start")
    monkeypatch.setenv("PLEDGE_TEST_PROGRESS_DELAY", "0")
    monkeypatch.setenv("WORKER_SWEEP_INTERVAL", "1")
    survivor = workers.start()  # takes batch 2
    wait(
        lambda: _pending(db, two_batches.id) == 0 and _job(db, job.id).progress == 4,
        what="both batches written, only batch 2 counted",
        timeout=40,
    )
    assert _job(db, job.id).status == "running"
    workers.kill9(doomed)

    wait(lambda: _job(db, job.id).status == "finished", what="the periodic sweep to close the job", timeout=20)
    _finished_once(db, two_batches.id, job.id)
    assert _status(rq_conn, first) is None and _status(rq_conn, second) == "finished"
    log = workers.log(1)
    assert (
        "sweep: 0 codebook preview job(s), 0 suggester training job(s), 0 tagging job(s) queued or resumed" in log
    )  # at its start the job was healthy
    assert (
        "periodic sweep: 0 codebook preview job(s), 0 suggester training job(s), 1 tagging job(s) queued or resumed"
        in log
    )
    assert survivor.poll() is None, log


def test_periodic_sweep_of_a_running_worker_queues_again_the_batch_a_killed_worker_held(
    two_batches, workers, rq_conn, db, wait, monkeypatch
):
    """No restart: the second worker tags batch 2, then its periodic sweep finds batch 1's worker dead."""
    job, first, second = _launch_two_batches(db, rq_conn, two_batches.id)
    batch_1 = _held(rq_conn, first)
    doomed = workers.start(delay=30)
    wait(lambda: _status(rq_conn, first) == "started" and _job(db, job.id).status == "running", what="batch 1 to start")
    monkeypatch.setenv("WORKER_SWEEP_INTERVAL", "1")
    survivor = workers.start()
    wait(lambda: _status(rq_conn, second) == "finished", what="the second worker to tag batch 2", timeout=40)
    assert _pending(db, two_batches.id) == 4
    assert _job(db, job.id).params["rq_ids"] == [first, second]  # its sweeps left the live batch 1 alone
    workers.kill9(doomed)

    wait(lambda: _job(db, job.id).status == "finished", what="the periodic sweep to resume the job", timeout=20)
    _finished_once(db, two_batches.id, job.id)
    [requeued] = _job(db, job.id).params["rq_ids"]
    assert _held(rq_conn, requeued) == batch_1
    assert (
        "periodic sweep: 0 codebook preview job(s), 0 suggester training job(s), 1 tagging job(s) queued or resumed"
        in workers.log(1)
    )
    assert survivor.poll() is None


def _sign_in_and_press_retag(client, lead, round_id: int):
    """Sign in as the lead (once), open the round page and press its re-tag button; the page it leads to."""
    if client.last_token is None:
        sign_in(client, *lead)
    client.get(f"/manage/rounds/{round_id}")
    pressed = client.post(f"/manage/rounds/{round_id}/retag", {})
    assert pressed.status_code == 302
    return client.get(pressed.headers["location"])


def test_redis_down_at_retag_leaves_the_job_recoverable_and_a_second_press_relaunches_it(
    client, lead, submitted, app, redis_url, rq_conn, workers, db, wait
):
    submitted.response()
    rnd = submitted.round
    app.config["REDIS_URL"], app.extensions["redis"] = DOWN, None
    for _ in range(2):  # the second press finds the job but still no queue: same message, nothing lost
        page = _sign_in_and_press_retag(client, lead, rnd.id)
        assert "The job queue cannot be reached" in page.text and "already under way" not in page.text
    db.session.rollback()
    job = db.session.scalars(select(Job)).one()
    assert (job.kind, job.status, job.total) == ("retag", "queued", 4)
    assert _pending(db, rnd.id) == 4 and rq_conn.keys("rq:job:*") == []

    app.config["REDIS_URL"], app.extensions["redis"] = redis_url, None
    page = _sign_in_and_press_retag(client, lead, rnd.id)
    assert "it has been restarted" in page.text and "already under way" not in page.text
    [rq_id] = _job(db, job.id).params["rq_ids"]
    assert _status(rq_conn, rq_id) == "queued"
    page = _sign_in_and_press_retag(client, lead, rnd.id)  # now its queue entry is live: a press joins it
    assert "already under way" in page.text and _job(db, job.id).params["rq_ids"] == [rq_id]

    workers.start()
    wait(lambda: _job(db, job.id).status == "finished", what="the relaunched re-tag", timeout=40)
    assert (_job(db, job.id).progress, db.session.scalar(select(func.count()).select_from(Job))) == (4, 1)
    assert _all_tagged(db, rnd.id, 4)
    _no_duplicate_codes(db)


def test_sweep_interval_is_a_worker_option_that_bounds_the_blocking_dequeue(app, rq_conn):
    queues = [Queue("tagging", connection=rq_conn)]
    assert worker.AppWorker(queues, connection=rq_conn, app=app, sweep_interval=2.5).dequeue_timeout == 3
    idle = worker.AppWorker(queues, connection=rq_conn, app=app, sweep_interval=0)
    assert idle.dequeue_timeout > 60 and not idle.sweep_due()  # 0: only the start-up sweep
    with pytest.raises(SystemExit):
        worker.main(["--sweep-interval", "soon"])
