"""The boundary of background work: the RQ entry point and the launch and sweep that views, CLI commands and the
worker call. They take ids and kinds, never ORM objects from another session, and own the transactions: the
lifecycle (`survey/services/jobs.py`) and the kinds' own functions only flush.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from rq import get_current_job

from survey import queue
from survey.extensions import db
from survey.models import Job
from survey.models.states import ACTIVE_JOB_STATUSES, JobStatus
from survey.services import jobs as lifecycle
from survey.services.jobs import Batches, BatchPoint, JobKind, Launch

logger = logging.getLogger(__name__)

# One lock serialises sweeps and launches, so two processes never queue the same pending items. It expires after
# SWEEP_LOCK_TIMEOUT seconds (a sweep takes well under one), so a process killed holding it blocks little.
SWEEP_LOCK = "jobs-sweep"
SWEEP_LOCK_TIMEOUT = 60
LAUNCH_LOCK_WAIT = 10


def _last_attempt() -> bool:
    """Whether RQ will not retry this job if it fails now (always true inline)."""
    job = get_current_job()
    return job is None or not job.retries_left


def run_batch(job_id: int, item_ids: list[int]) -> int:
    """Do one batch of a job of any kind: mark the job running, run its kind's batch, count it (the RQ job)."""
    job = lifecycle.get_job(job_id)  # a batch whose Job row is gone fails at once: there is nothing to record on
    try:
        lifecycle.mark_running(job_id)
        db.session.commit()  # seen as running (the lead's page, the sweep) while the batch works
        lifecycle.reached(BatchPoint.RUNNING, job, item_ids)
        done = lifecycle.kind_of(job).run(job, list(item_ids))
        # The batch's writes in one transaction: a horse killed before this commit costs only a re-run.
        db.session.commit()
        lifecycle.reached(BatchPoint.WRITTEN, job, item_ids)
        lifecycle.add_progress(job_id, len(item_ids), done)
        db.session.commit()
    except Exception as exc:
        logger.exception("batch of job %s (%d items) failed", job_id, len(item_ids))
        db.session.rollback()
        lifecycle.record_failure(job_id, item_ids, exc, final=_last_attempt())
        db.session.commit()
        raise
    return done


def _enqueue(batches: Batches | None) -> None:
    """Queue a job's batches on its kind's queue in one round trip (run them now, inline, without Redis)."""
    if batches is not None:
        queue.enqueue_all(
            run_batch,
            [(batches.job_id, items) for items in batches.items],
            queue_name=batches.queue,
            job_ids=batches.rq_ids,
            meta=batches.meta,
        )


def _recover(job: Job) -> bool:
    """Queue what the job lost, or close or fail it (see `lifecycle.recover`); whether it was stuck. Commits."""
    recovery = lifecycle.recover(job)
    # The RQ ids are committed before the queue holds them: if Redis refuses them, or this process dies in
    # between, the next sweep finds ids with nothing behind them; and a worker finds only a committed row.
    db.session.commit()
    _enqueue(recovery.batches)
    return recovery.stuck


class Launched(NamedTuple):
    """A launch's Job row and what the launch did."""

    job: Job
    outcome: Launch


def launch(kind: JobKind, target_type: str, target_id: int, params: dict[str, Any] | None = None) -> Launched:
    """Create the Job row (with the launcher's `params`) and queue its work in batches; a duplicate launch joins the
    active job, or resumes it when some of its pending items are held by none of its live RQ jobs. Commits."""
    job, created = lifecycle.open_job(kind, target_type, target_id, params)
    # Committed before the lock is asked for: with Redis down the row is left for the sweep to find.
    db.session.commit()
    if job.status not in ACTIVE_JOB_STATUSES:
        return Launched(job, Launch.STARTED)  # nothing to do
    with queue.exclusive(SWEEP_LOCK, timeout=SWEEP_LOCK_TIMEOUT, wait=LAUNCH_LOCK_WAIT) as mine:
        if not mine:
            logger.warning("a sweep holds the jobs lock: job %s is left for the next sweep", job.id)
            resumed = False
        else:
            db.session.refresh(job)  # a sweep may have queued it since it was read
            resumed = job.status in ACTIVE_JOB_STATUSES and _recover(job)
    if created:
        return Launched(job, Launch.STARTED)
    if job.status == JobStatus.FAILED:  # RQ had given up on its batches: this launch starts afresh
        return launch(kind, target_type, target_id, params)
    return Launched(job, Launch.RESUMED if resumed else Launch.JOINED)


def sweep() -> list[Job]:
    """Recover lost work of every kind: queue again what no live RQ job holds, close or fail the jobs that need it,
    then launch a job for each target whose pending items no active job covers; return those jobs. Safe to run
    often: the worker runs it every `--sweep-interval` seconds, under a Redis lock so one process sweeps at a time.
    Commits."""
    with queue.exclusive(SWEEP_LOCK, timeout=SWEEP_LOCK_TIMEOUT) as mine:
        if not mine:
            logger.info("another process is sweeping; skipped")
            return []
        recovered = [job for job in lifecycle.active_jobs() if _recover(job)]
        for kind, target_type, target_id in lifecycle.orphans():
            job = lifecycle.create_job(kind, target_type, target_id)
            if job.status in ACTIVE_JOB_STATUSES:
                _recover(job)  # commits the new row before its batches are queued
            recovered.append(job)
        db.session.commit()
        return recovered
