"""The job lifecycle with a kind that is not tagging ("shout", tests/survey/jobkind_fixture.py): progress on the
Job row as batches finish, a duplicate launch, failures on a retried and on the last attempt, the sweep, and resume
after a real worker is killed mid-batch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis import Redis
from rq import Queue, Retry, SimpleWorker
from rq.job import Job as RQJob
from sqlalchemy import select

from survey import jobs, queue
from survey.models import Contact, Job, Organisation
from survey.services import jobs as lifecycle
from survey.services.jobs import BatchPoint, JobKind, Launch
from tests.survey import jobkind_fixture
from tests.survey.jobkind_fixture import ShoutRefused

MODULE = "tests.survey.jobkind_fixture"


@pytest.fixture()
def shout() -> Iterator[JobKind]:
    """The "shout" kind, registered in this process for one test only (a worker imports its module instead)."""
    kind = lifecycle.register(jobkind_fixture.SHOUT)
    yield kind
    del lifecycle.KINDS[kind.name]


def _organisation(factory, db, names: list[str]) -> Organisation:
    """An organisation whose contacts have these names (committed)."""
    org = factory.organisation(contacts=0)
    for i, name in enumerate(names):
        db.session.add(Contact(organisation_id=org.id, name=name, email=f"c{i}@org{org.id}.example"))
    db.session.commit()
    return org


def _names(db, org_id: int) -> list[str]:
    """The organisation's contact names as the workers left them."""
    db.session.rollback()
    return list(db.session.scalars(select(Contact.name).where(Contact.organisation_id == org_id).order_by(Contact.id)))


def _job(db, job_id: int) -> Job:
    """The Job row as the batches left it."""
    db.session.rollback()
    return db.session.get_one(Job, job_id)


def _rq_jobs(db, job_id: int, conn: Redis) -> list[RQJob]:
    """The RQ jobs the Job row records."""
    return [RQJob.fetch(rq_id, connection=conn) for rq_id in _job(db, job_id).params["rq_ids"]]


def test_progress_is_counted_on_the_job_row_as_each_batch_finishes(shout, factory, redis_url, db):
    org = _organisation(factory, db, ["Ada Obi", "Ben Cole", "Cara Dunn", "Dev Shah", "Eve Ray"])
    job, launch = jobs.launch(shout, "organisation", org.id)
    assert launch == Launch.STARTED and (job.kind, job.status, job.total, job.progress) == ("shout", "queued", 5, 0)
    assert jobs.launch(shout, "organisation", org.id) == (job, Launch.JOINED)  # its batches wait: joined
    conn = Redis.from_url(redis_url)
    batches = _rq_jobs(db, job.id, conn)
    # By reference to the one entry point, on the kind's queue; the meta names the kind, nothing to preload.
    assert [(b.func, b.origin, b.meta, len(b.args[1])) for b in batches] == [
        (jobs.run_batch, "default", {"kind": "shout"}, 2),
        (jobs.run_batch, "default", {"kind": "shout"}, 2),
        (jobs.run_batch, "default", {"kind": "shout"}, 1),
    ]
    seen = []
    for batch in batches:  # run here, one by one, as a worker's horses would
        batch.func(*batch.args)
        row = _job(db, job.id)
        seen.append((row.status, row.progress))
    assert seen == [("running", 2), ("running", 4), ("finished", 5)]
    assert _names(db, org.id) == ["ADA OBI", "BEN COLE", "CARA DUNN", "DEV SHAH", "EVE RAY"]
    assert jobs.run_batch(*batches[0].args) == 0 and _job(db, job.id).progress == 5  # a re-run counts nothing
    conn.close()


def test_a_failure_on_the_last_attempt_fails_the_job_with_its_error(shout, factory, db):
    org = _organisation(factory, db, ["Ada Obi", "Ben Cole", "Please fail", "Dev Shah"])
    with pytest.raises(ShoutRefused):  # inline: every attempt is the last, and the error reaches the caller
        jobs.launch(shout, "organisation", org.id)
    job = db.session.scalars(select(Job)).one()
    job = _job(db, job.id)
    assert (job.status, job.progress, job.total) == ("failed", 2, 4) and job.finished_at is not None
    assert job.error == f"ShoutRefused: a contact of organisation {org.id} asked its batch to fail"
    assert _names(db, org.id) == ["ADA OBI", "BEN COLE", "Please fail", "Dev Shah"]  # batch 2 wrote nothing
    assert jobs.sweep() == []  # a failed job is not picked up again


def test_a_failed_attempt_rq_will_retry_keeps_the_job_running_until_the_last(
    shout, factory, redis_url, db, monkeypatch
):
    org = _organisation(factory, db, ["Please fail"])
    monkeypatch.setattr(queue, "retry_policy", lambda: Retry(max=1))  # one more try, at once
    job = jobs.launch(shout, "organisation", org.id).job
    attempts = []  # the Job row at the start of each attempt
    stop_looking = lifecycle.on_batch(
        BatchPoint.RUNNING, lambda row, items: attempts.append((_job(db, row.id).status, _job(db, row.id).error))
    )
    conn = Redis.from_url(redis_url)
    try:
        SimpleWorker([Queue("default", connection=conn)], connection=conn).work(burst=True, max_jobs=2)
    finally:
        stop_looking()
    error = f"ShoutRefused: a contact of organisation {org.id} asked its batch to fail"
    assert attempts == [("running", None), ("running", error)]  # the first failure left the job to its retry
    job = _job(db, job.id)
    assert (job.status, job.error) == ("failed", error)
    [batch] = _rq_jobs(db, job.id, conn)
    assert batch.get_status() == "failed" and batch.retries_left == 0
    conn.close()


def test_the_sweep_queues_again_a_batch_whose_rq_job_is_lost(shout, factory, redis_url, db):
    org = _organisation(factory, db, ["Ada Obi", "Ben Cole", "Cara Dunn"])
    job = jobs.launch(shout, "organisation", org.id).job
    conn = Redis.from_url(redis_url)
    first, second = _rq_jobs(db, job.id, conn)
    first.delete()
    assert [j.id for j in jobs.sweep()] == [job.id] and jobs.sweep() == []
    kept, requeued = _rq_jobs(db, job.id, conn)
    assert kept.id == second.id and requeued.args[1] == first.args[1]
    conn.close()


@pytest.mark.worker
def test_a_worker_killed_mid_batch_is_resumed_by_the_next_one(shout, factory, workers, redis_url, db, wait):
    org = _organisation(factory, db, ["Ada Obi", "Ben Cole", "Cara Dunn", "Dev Shah"])
    job = jobs.launch(shout, "organisation", org.id).job  # two batches of two, queued
    first, second = job.params["rq_ids"]
    doomed = workers.start(delay=30, modules=(MODULE,))  # each batch pauses once it is marked running
    wait(lambda: _job(db, job.id).status == "running", what="batch 1 to start")
    workers.kill9(doomed)
    assert _names(db, org.id) == ["Ada Obi", "Ben Cole", "Cara Dunn", "Dev Shah"]

    workers.start(modules=(MODULE,))  # its start-up sweep sees batch 1's worker is dead and queues it again
    wait(lambda: _job(db, job.id).status == "finished", what="the resumed job", timeout=40)
    row = _job(db, job.id)
    assert (row.progress, row.total, row.error) == (4, 4, None)
    assert _names(db, org.id) == ["ADA OBI", "BEN COLE", "CARA DUNN", "DEV SHAH"]
    kept, requeued = row.params["rq_ids"]
    assert kept == second and requeued != first  # only the lost batch was queued again
    assert (
        "sweep: 0 codebook preview job(s), 0 suggester training job(s), 0 tagging job(s), 1 shout job(s) "
        "queued or resumed" in workers.log(1)
    )
