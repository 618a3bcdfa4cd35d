"""Background work: RQ queues on Redis when REDIS_URL is set, otherwise the same job runs inline."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Queue, Retry
from rq.job import Job as RQJob
from rq.job import JobStatus
from rq.utils import import_attribute
from rq.worker import Worker

QUEUE_NAMES = ("tagging", "default")
JOB_TIMEOUT = 30 * 60
RESULT_TTL = 24 * 3600
FAILURE_TTL = 14 * 24 * 3600
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def redis_connection() -> Redis | None:
    """The app's Redis connection, or None when jobs run inline."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    conn = current_app.extensions.get("redis")
    if conn is None:
        conn = current_app.extensions["redis"] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return conn


def queue(name: str = "tagging", connection: Redis | None = None) -> Queue:
    """A named RQ queue on an explicit connection."""
    conn = connection or redis_connection()
    if conn is None:
        raise RuntimeError("REDIS_URL is not set: jobs run inline")
    return Queue(name, connection=conn)


def retry_policy() -> Retry:
    """Three more tries, spaced out, for flaky I/O (database fail-over, a lost connection)."""
    return Retry(max=3, interval=[5, 30, 120])


def enqueue_all(func: str, calls: Sequence[tuple[Any, ...]], *, queue_name: str = "tagging") -> list[str] | None:
    """Queue one RQ job per argument tuple and return their ids; without Redis run each inline and return None."""
    conn = redis_connection()
    if conn is None:
        function = import_attribute(func)
        for args in calls:
            function(*args)
        return None
    q = queue(queue_name, conn)
    prefix = uuid.uuid4().hex[:12]
    jobs = [
        Queue.prepare_data(
            func, args=args, job_id=f"{prefix}-{i}", timeout=JOB_TIMEOUT, result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL, retry=retry_policy(),
        )
        for i, args in enumerate(calls)
    ]
    return [job.id for job in q.enqueue_many(jobs)]


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


def any_alive(rq_ids: Sequence[str]) -> bool:
    """Whether any of these RQ jobs is waiting or being run by a live worker (False without Redis)."""
    conn = redis_connection()
    if conn is None or not rq_ids:
        return False
    for job in RQJob.fetch_many(list(rq_ids), connection=conn):
        if job is None:
            continue
        status = job.get_status(refresh=False)
        if status in WAITING or (status == JobStatus.STARTED and _worker_alive(job.worker_name, conn)):
            return True
    return False


@contextmanager
def exclusive(name: str, *, timeout: int = 600) -> Iterator[bool]:
    """Hold a Redis lock while the block runs; yields False when another process holds it (True inline)."""
    conn = redis_connection()
    if conn is None:
        yield True
        return
    lock = conn.lock(f"pledge:lock:{name}", timeout=timeout, blocking=False)
    acquired = lock.acquire()
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()


def init_app(app: Flask) -> None:
    """Nothing connects at start-up: the connection is made on first use."""
    app.extensions.setdefault("redis", None)
