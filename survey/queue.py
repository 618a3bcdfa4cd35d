"""RQ plumbing: the Redis connection, named queues, the retry policy, queueing, what became of queued jobs, a lock.

Nothing here knows about Job rows or kinds of work (`survey/services/jobs.py` does); without REDIS_URL every
queued call runs inline, at once, in the caller's process.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Queue, Retry
from rq.job import Job as RQJob
from rq.job import JobStatus
from rq.worker import Worker

QUEUE_NAMES = ("tagging", "default")
JOB_TIMEOUT = 30 * 60
RESULT_TTL = 24 * 3600
FAILURE_TTL = 14 * 24 * 3600
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)
GIVEN_UP = (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)


def redis_connection() -> Redis | None:
    """The app's Redis connection, or None when jobs run inline."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    conn = current_app.extensions.get("redis")
    if conn is None:
        conn = current_app.extensions["redis"] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return conn


def queue(name: str = "default", connection: Redis | None = None) -> Queue:
    """A named RQ queue on an explicit connection."""
    conn = connection or redis_connection()
    if conn is None:
        raise RuntimeError("REDIS_URL is not set: jobs run inline")
    return Queue(name, connection=conn)


def retry_policy() -> Retry:
    """Three more tries, spaced out, for flaky I/O (database fail-over, a lost connection)."""
    return Retry(max=3, interval=[5, 30, 120])


def new_ids(count: int) -> list[str]:
    """Ids for RQ jobs about to be queued, so a caller can record them before the queue holds them."""
    prefix = uuid.uuid4().hex[:12]
    return [f"{prefix}-{i}" for i in range(count)]


def enqueue_all(
    func: Callable[..., Any],
    calls: Sequence[tuple[Any, ...]],
    *,
    queue_name: str,
    job_ids: Sequence[str] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> list[str] | None:
    """Queue one RQ job of `func` per argument tuple (under `job_ids` when given, each carrying `meta`) and return
    their ids; without Redis call `func` with each tuple inline and return None."""
    conn = redis_connection()
    if conn is None:
        for args in calls:
            func(*args)
        return None
    ids = list(job_ids) if job_ids is not None else new_ids(len(calls))
    prepared = [
        Queue.prepare_data(
            func,
            args=args,
            job_id=job_id,
            timeout=JOB_TIMEOUT,
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            retry=retry_policy(),
            meta=dict(meta or {}),
        )
        for job_id, args in zip(ids, calls, strict=True)
    ]
    return [job.id for job in queue(queue_name, conn).enqueue_many(prepared)]


def _worker_alive(name: str | None, conn: Redis) -> bool:
    """Whether the named worker is still registered and, when it runs on this host, its process exists."""
    if not name:
        return False
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + name, connection=conn)
    if worker is None:
        return False
    if worker.hostname == socket.gethostname() and worker.pid:
        try:
            os.kill(worker.pid, 0)
        except ProcessLookupError:
            return False  # killed (kill -9, OOM) without deregistering: its job will never finish
        except PermissionError:
            return True
    return True


@dataclass(frozen=True)
class Census:
    """What became of some RQ jobs: waiting or run by a live worker, started by a worker that died, or given up
    by RQ (failed after its retries, stopped, cancelled)."""

    live: list[RQJob] = field(default_factory=list)
    abandoned: list[RQJob] = field(default_factory=list)
    given_up: list[RQJob] = field(default_factory=list)


def census(rq_ids: Sequence[str]) -> Census:
    """Sort these RQ jobs into live, abandoned and given up; finished and vanished ones are none (empty inline).

    A started job counts as abandoned as soon as its worker is gone (a kill -9 is seen by the pid check at once),
    well before RQ's own clean-up of the started registry notices its heartbeat stopped.
    """
    conn = redis_connection()
    if conn is None or not rq_ids:
        return Census()
    found = Census()
    workers: dict[str | None, bool] = {}
    for job in RQJob.fetch_many(list(rq_ids), connection=conn):
        if job is None:
            continue
        status = job.get_status(refresh=False)
        if status in WAITING:
            found.live.append(job)
        elif status == JobStatus.STARTED:
            if job.worker_name not in workers:
                workers[job.worker_name] = _worker_alive(job.worker_name, conn)
            (found.live if workers[job.worker_name] else found.abandoned).append(job)
        elif status in GIVEN_UP:
            found.given_up.append(job)
    return found


def discard(rq_jobs: Iterable[RQJob]) -> None:
    """Delete abandoned RQ jobs whose work is queued again, so RQ's clean-up never retries them as well."""
    for job in rq_jobs:
        job.delete()


@contextmanager
def exclusive(name: str, *, timeout: int = 600, wait: float = 0) -> Iterator[bool]:
    """Hold a Redis lock while the block runs, waiting up to `wait` seconds for it; yields False when another
    process holds it (True inline). `timeout` frees the lock of a process killed while holding it."""
    conn = redis_connection()
    if conn is None:
        yield True
        return
    lock = conn.lock(f"pledge:lock:{name}", timeout=timeout, blocking=wait > 0, blocking_timeout=wait or None)
    acquired = lock.acquire()
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()


def init_app(app: Flask) -> None:
    """Nothing connects at start-up: the connection is made on first use."""
    app.extensions.setdefault("redis", None)
