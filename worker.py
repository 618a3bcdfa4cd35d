"""The RQ worker: `python worker.py` builds the app, warms every job kind (the tagging pipelines), sweeps, then
works the queues.

What the kinds need (a codebook's pipeline) and the mappers are ready before RQ forks a work horse per job, so every
horse starts warm and shares the parent's memory; the engine's pool is disposed so no connection crosses a fork.

Between jobs the worker sweeps again every `--sweep-interval` seconds (`WORKER_SWEEP_INTERVAL`, default 60), so
work of any kind lost with a dead worker or an unreachable Redis is queued again without waiting for a restart.

The worker runs the kinds its imports register (every job kind of the product is imported below, so a plain
`python worker.py` runs them all); `--job-module` (`PLEDGE_EXTRA_JOB_MODULES`, comma-separated) imports more modules
before the first fork, for kinds or batch hooks that live elsewhere: the tests load a second kind and the pauses
they kill a worker in.
"""

from __future__ import annotations

import argparse
import gc
import logging
import math
import os
import sys
import time
from typing import Any

from flask import Flask
from rq.job import Job as RQJob
from rq.queue import Queue
from rq.worker import Worker
from sqlalchemy.orm import configure_mappers

from survey import create_app, jobs, queue
from survey.extensions import db
from survey.services import (  # noqa: F401  (register every job kind this worker runs)
    codebook_preview,  # codebook_preview
    sending,  # mail
    suggester,  # train_suggester
    syntheses,  # synthesis, synthesis-draft
    tagging,  # tag, retag
)
from survey.services import jobs as lifecycle

logger = logging.getLogger("worker")

SWEEP_INTERVAL_ENV = "WORKER_SWEEP_INTERVAL"
SWEEP_INTERVAL = 60.0
JOB_MODULES_ENV = "PLEDGE_EXTRA_JOB_MODULES"


class AppWorker(Worker):
    """An RQ worker that runs each job inside the Flask app's context and sweeps for lost work between jobs.

    The sweep runs in the worker's own loop, in the parent process, rather than as a repeating job on RQ's
    scheduler: a job would wait in the queue behind the very batches it should judge (and a single busy worker
    would never run it), and every worker start would add another repeating job to deduplicate. The loop's
    maintenance hook runs between jobs and while idle (the blocking dequeue wakes at least once an interval);
    a sweep never runs while this worker's own horse does, and the Redis lock lets one worker sweep at a time.
    """

    def __init__(self, *args: Any, app: Flask, sweep_interval: float = SWEEP_INTERVAL, **kwargs: Any) -> None:
        # Set before RQ's constructor, which reads dequeue_timeout to size the socket timeout.
        self.app = app
        self.sweep_interval = sweep_interval
        self.swept_at = time.monotonic()  # prepare() has just swept
        super().__init__(*args, **kwargs)

    @property
    def dequeue_timeout(self) -> int:
        """Block on the queues no longer than a sweep interval, so an idle worker sweeps on time."""
        timeout = super().dequeue_timeout
        return max(1, min(timeout, math.ceil(self.sweep_interval))) if self.sweep_interval > 0 else timeout

    @property
    def should_run_maintenance_tasks(self) -> bool:
        """RQ's own maintenance (every 10 minutes) or a sweep is due."""
        return super().should_run_maintenance_tasks or self.sweep_due()

    def sweep_due(self) -> bool:
        """Whether a sweep interval has passed since the last sweep (never when the interval is 0)."""
        return self.sweep_interval > 0 and time.monotonic() - self.swept_at >= self.sweep_interval

    def run_maintenance_tasks(self) -> None:
        """RQ's maintenance when it is due, then the sweep when it is due."""
        if super().should_run_maintenance_tasks:
            super().run_maintenance_tasks()
        if self.sweep_due():
            self.sweep()

    def sweep(self) -> None:
        """Recover lost work; a failure is logged and the sweep tried again an interval later."""
        self.swept_at = time.monotonic()
        with self.app.app_context():
            try:
                recovered = jobs.sweep()
                if recovered:
                    logger.info("periodic sweep: %s queued or resumed", lifecycle.summary(recovered))
            except Exception:
                # Not a job: an error here (Redis or the database away) must not stop the worker's loop.
                logger.exception("the periodic sweep failed; next try in %g s", self.sweep_interval)
            finally:
                db.session.remove()
                db.engine.dispose()  # no connection of the parent's may reach the next horse

    def execute_job(self, job: RQJob, queue: Queue) -> Any:
        """Build what the batch's kind says it needs (its meta: kind and preload params) in the parent before
        forking, so this horse and later ones inherit it."""
        kind = lifecycle.KINDS.get(job.meta.get("kind", ""))
        params = job.meta.get("preload")
        if kind is not None and kind.preload is not None and params is not None:
            with self.app.app_context():
                try:
                    built = kind.preload(params)
                except Exception:
                    # The horse meets the same error and records it on the Job row; the worker carries on.
                    logger.exception("preloading for RQ job %s failed", job.id)
                    built = False
                finally:
                    db.session.remove()
                    db.engine.dispose()
            if built:
                freeze_heap()
        return super().execute_job(job, queue)

    def perform_job(self, job: RQJob, queue: Queue) -> bool:
        """Run the job (in the work horse) inside an app context, on connections of its own."""
        with self.app.app_context():
            db.engine.dispose(close=False)  # never touch a connection the parent opened
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()


def freeze_heap() -> None:
    """Move every object alive now out of the garbage collector's sight, so that a horse's collections do not
    touch (and so copy) the pages it shares with the parent: the pipeline is most of the heap."""
    gc.collect()
    gc.freeze()


def prepare(app: Flask) -> None:
    """Everything done once before forking: mappers, each kind's warm-up, the recovery sweep, a clean pool."""
    configure_mappers()
    with app.app_context():
        warmed: set[object] = set()
        for kind in list(lifecycle.KINDS.values()):
            if kind.warm is not None and kind.warm not in warmed:  # tag and retag share theirs
                warmed.add(kind.warm)
                logger.info("%s warmed: %s", kind.label, kind.warm())
        db.session.commit()  # a warm-up may have seeded what it loaded (the starting codebook)
        recovered = jobs.sweep()
        logger.info("sweep: %s queued or resumed", lifecycle.summary(recovered))
        db.session.remove()
        db.engine.dispose()
    freeze_heap()


def _seconds(value: str | float) -> float:
    """A non-negative number of seconds (argparse type); junk is a usage error."""
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    """Start a worker on the tagging and default queues; SIGTERM stops it after the current job."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument("--name", help="worker name (default: RQ's)")
    parser.add_argument(
        "--sweep-interval",
        type=_seconds,
        default=os.environ.get(SWEEP_INTERVAL_ENV) or SWEEP_INTERVAL,
        help=f"seconds between sweeps for lost work, 0 for only at start (default: ${SWEEP_INTERVAL_ENV} or "
        f"{SWEEP_INTERVAL:g})",
    )
    parser.add_argument(
        "--job-module",
        action="append",
        dest="job_modules",
        default=(os.environ.get(JOB_MODULES_ENV) or "").split(","),
        help=f"also import this module, which registers job kinds or batch hooks (repeatable; default: "
        f"${JOB_MODULES_ENV}, comma-separated)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if imported := lifecycle.import_kind_modules(args.job_modules):
        logger.info("job modules imported: %s", ", ".join(imported))
    app = create_app()
    with app.app_context():
        conn = queue.redis_connection()
    if conn is None:
        logger.error("REDIS_URL is not set: without Redis, jobs run inline and no worker is needed")
        return 2
    prepare(app)
    queues = [Queue(name, connection=conn) for name in queue.QUEUE_NAMES]
    worker = AppWorker(queues, connection=conn, name=args.name, app=app, sweep_interval=args.sweep_interval)
    # RQ installs its own SIGTERM/SIGINT handlers: a warm shutdown that lets the current job finish.
    worker.work(burst=args.burst, with_scheduler=True, logging_level="INFO")
    return 0


if __name__ == "__main__":
    sys.exit(main())
