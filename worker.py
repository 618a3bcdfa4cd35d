"""The RQ worker: `python worker.py` builds the app, loads the tagging pipeline, sweeps, then works the queues.

The pipeline and the mappers are ready before RQ forks a work horse per job, so every horse starts warm and
shares the parent's memory; the engine's pool is disposed so no connection crosses a fork.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from typing import Any

from flask import Flask
from rq.job import Job as RQJob
from rq.queue import Queue
from rq.worker import Worker
from sqlalchemy.orm import configure_mappers

from survey import create_app
from survey.extensions import db
from survey.services import jobs, tagging

logger = logging.getLogger("worker")


class AppWorker(Worker):
    """An RQ worker that runs each job inside the Flask app's context."""

    app: Flask

    def execute_job(self, job: RQJob, queue: Queue) -> Any:
        """Build a codebook version's pipeline in the parent before forking, so later horses inherit it."""
        version_id = job.args[2] if job.func_name == "survey.jobs.tag_batch" and len(job.args) > 2 else None
        if version_id is not None and not tagging.pipeline_loaded(version_id):
            with self.app.app_context():
                tagging.pipeline_for(version_id)
                db.session.remove()
                db.engine.dispose()
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
    """Everything done once before forking: mappers, pipelines, the recovery sweep, a clean pool."""
    configure_mappers()
    with app.app_context():
        loaded = tagging.preload_pipelines()
        logger.info("tagging pipelines loaded for codebook versions %s", loaded)
        recovered = tagging.sweep()
        logger.info("sweep: %d tagging job(s) queued or resumed", len(recovered))
        db.session.remove()
        db.engine.dispose()
    freeze_heap()


def main(argv: list[str] | None = None) -> int:
    """Start a worker on the tagging and default queues; SIGTERM stops it after the current job."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument("--name", help="worker name (default: RQ's)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app()
    with app.app_context():
        conn = jobs.redis_connection()
    if conn is None:
        logger.error("REDIS_URL is not set: without Redis, jobs run inline and no worker is needed")
        return 2
    prepare(app)
    queues = [Queue(name, connection=conn) for name in jobs.QUEUE_NAMES]
    worker = AppWorker(queues, connection=conn, name=args.name)
    worker.app = app
    # RQ installs its own SIGTERM/SIGINT handlers: a warm shutdown that lets the current job finish.
    worker.work(burst=args.burst, with_scheduler=True, logging_level="INFO")
    return 0


if __name__ == "__main__":
    sys.exit(main())
