"""Benchmark re-tagging a whole round end to end (PostgreSQL, Redis, 2 real workers) against pure tagging time.

Prints `name: value` lines: retag_ratio (goal <= 2.0) and worker_rss_mib (goal <= 200). Uses its own PostgreSQL
database (`bench_retag`, created if missing) and Redis database 14, so the tests' data are untouched.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from flask import Flask  # noqa: E402
from redis import Redis  # noqa: E402
from rq.worker import Worker  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from nlp.codebook import load_codebook  # noqa: E402
from nlp.tagging import tag_texts  # noqa: E402
from survey import create_app, jobs  # noqa: E402
from survey.demo.content import ORGANISATIONS, QUESTIONS, answer_text  # noqa: E402
from survey.extensions import db  # noqa: E402
from survey.models import Answer, Base, Code, Job, Organisation, Response, Round  # noqa: E402
from survey.services import codebooks, pipelines, pledges, tagging  # noqa: E402

ANSWERS_PER_RESPONSE = 40
SECRET = "bench-secret-key-that-is-long-enough-0123456789"


def ensure_database(server_url: str, name: str) -> str:
    """Create the benchmark database on the PostgreSQL server if missing; return its SQLAlchemy URL."""
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"


def make_app(database_url: str, redis_url: str) -> Flask:
    """The app on the benchmark database and Redis."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "BASE_URL": "http://127.0.0.1",
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        }
    )


def texts_for(count: int, seed: int = 7) -> list[str]:
    """Realistic, varied answer texts from the demo content generator."""
    rng = random.Random(seed)
    texts = []
    for i in range(count):
        question = QUESTIONS[i % len(QUESTIONS)]
        commitment = (i // len(QUESTIONS)) % 7 + 1 if question in ("actions", "impact", "challenges") else None
        org = ORGANISATIONS[(i // ANSWERS_PER_RESPONSE) % len(ORGANISATIONS)]
        texts.append(answer_text(rng, question=question, commitment=commitment, org=org, round_number=1 + i % 3))
    return texts


def seed_round(texts: Sequence[str]) -> int:
    """A fresh schema with one round of submitted responses holding these answers; returns the round id."""
    Base.metadata.drop_all(db.engine)
    Base.metadata.create_all(db.engine)
    pledge = pledges.ensure_pledge()
    questionnaire = pledges.ensure_questionnaire(pledge)
    version = codebooks.ensure_starting_codebook(pledge)
    rnd = Round(
        pledge_id=pledge.id,
        number=1,
        name="Bench round",
        opens_on=date.today() - timedelta(days=30),
        deadline=date.today(),
        questionnaire_version_id=questionnaire.id,
    )
    db.session.add(rnd)
    db.session.flush()
    n_responses = -(-len(texts) // ANSWERS_PER_RESPONSE)
    db.session.execute(
        insert(Organisation),
        [
            {"pledge_id": pledge.id, "name": f"Bench organisation {i}", "kind": "nhs_mh_trust"}
            for i in range(n_responses)
        ],
    )
    org_ids = db.session.scalars(select(Organisation.id).order_by(Organisation.id)).all()
    db.session.execute(
        insert(Response),
        [
            {"round_id": rnd.id, "organisation_id": org_id, "reference": f"BENCH-{i:06d}", "status": "submitted"}
            for i, org_id in enumerate(org_ids)
        ],
    )
    response_ids = db.session.scalars(select(Response.id).order_by(Response.id)).all()
    rows = [
        {
            "response_id": response_ids[i // ANSWERS_PER_RESPONSE],
            "round_id": rnd.id,
            "field_key": f"q{i % ANSWERS_PER_RESPONSE}",
            "question_key": f"q{i % ANSWERS_PER_RESPONSE}",
            "value": text,
            "text": text,
            "tagging": "tagged",
        }
        for i, text in enumerate(texts)
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Answer.__table__), rows[start : start + 5000])
    seed_previous_codes(version.id)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")  # as autovacuum would have done on a table that grew over a round
    return rnd.id


def seed_previous_codes(version_id: int, per_answer: int = 3) -> None:
    """Proposed rule codes from an earlier tagging with the previous codebook version, as a real round has."""
    themes = list(codebooks.theme_ids(version_id).items())
    rng = random.Random(3)
    answer_ids = db.session.scalars(select(Answer.id).order_by(Answer.id)).all()
    rows = []
    for answer_id in answer_ids:
        for key, theme_id in rng.sample(themes, per_answer):
            rows.append(
                {
                    "answer_id": answer_id,
                    "theme_id": theme_id,
                    "theme_key": key,
                    "source": "rule",
                    "codebook_version_id": version_id,
                    "status": "proposed",
                    "spans": [[0, 4]],
                }
            )
    for start in range(0, len(rows), 20000):
        db.session.execute(insert(Code.__table__), rows[start : start + 20000])


def start_workers(count: int, database_url: str, redis_url: str, log_dir: Path) -> list[subprocess.Popen[bytes]]:
    """Start real `worker.py` processes and wait until each has registered with Redis."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": SECRET}
    env.pop("PLEDGE_EXTRA_JOB_MODULES", None)  # only the app's own kinds, no test hooks
    env.pop("PLEDGE_DEMO", None)
    procs = []
    for i in range(count):
        log = (log_dir / f"bench-worker-{i}.log").open("wb")
        procs.append(
            subprocess.Popen(
                [sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        )
    conn = Redis.from_url(redis_url)
    deadline = time.monotonic() + 120
    while len(Worker.all(connection=conn)) < count:
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            raise RuntimeError(f"workers did not start; see {log_dir}/bench-worker-*.log")
        time.sleep(0.2)
    return procs


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def retag_seconds(round_id: int, timeout: float) -> tuple[float, Job]:
    """Launch the re-tag of the round and wait for its Job row to finish; return the elapsed time."""
    started = time.perf_counter()
    job_id = jobs.launch(tagging.RETAG, "round", round_id).job.id
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        job = db.session.get_one(Job, job_id)
        db.session.refresh(job)
        if job.status in ("finished", "failed"):
            return time.perf_counter() - started, job
        if time.monotonic() > deadline:
            raise RuntimeError(f"re-tag not finished after {timeout:.0f}s: {job.progress}/{job.total}")
        time.sleep(0.05)


def pure_tagging_seconds(texts: Sequence[str], codebook_version_id: int) -> float:
    """Time to tag the same texts with nlp.tag_texts in this one process."""
    nlp = pipelines.pipeline_for(codebook_version_id)
    list(tag_texts(nlp, texts[:200]))  # warm-up
    started = time.perf_counter()
    for _ in tag_texts(nlp, texts):
        pass
    return time.perf_counter() - started


def stop(procs: Sequence[subprocess.Popen[Any]]) -> None:
    """Ask the workers to stop (warm shutdown) and wait for them."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print `name: value` lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=100_000, help="answers in the round (default 100,000)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL without a database name",
    )
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--log-dir", type=Path, default=Path("/tmp"))
    args = parser.parse_args(argv)

    database_url = ensure_database(args.pg.rstrip("/"), "bench_retag")
    Redis.from_url(args.redis).flushdb()
    app = make_app(database_url, args.redis)
    texts = texts_for(args.answers)
    with app.app_context():
        round_id = seed_round(texts)
        # The lead changed the codebook: a new version, so every proposed code is rewritten by the re-tag.
        version_id = codebooks.add_version(db.session.scalar(select(Round.pledge_id)), load_codebook()).id
        db.session.commit()
        db.session.remove()
    procs = start_workers(args.workers, database_url, args.redis, args.log_dir)
    try:
        worker_rss = max(rss_mib(p.pid) for p in procs)
        with app.app_context():
            end_to_end, job = retag_seconds(round_id, timeout=max(600.0, args.answers / 50))
            pure = pure_tagging_seconds(texts, version_id)
            counts = tagging.tagging_counts(round_id)
    finally:
        stop(procs)
    print(f"answers: {args.answers}")
    print(f"workers: {args.workers}")
    print(f"retag_job_status: {job.status}")
    print(f"answers_tagged: {counts['tagged']}")
    print(f"retag_seconds: {end_to_end:.2f}")
    print(f"pure_tagging_seconds: {pure:.2f}")
    print(f"retag_ratio: {end_to_end / pure:.3f}")
    print(f"worker_rss_mib: {worker_rss:.1f}")
    return 0 if job.status == "finished" and counts["tagged"] == args.answers else 1


if __name__ == "__main__":
    sys.exit(main())
