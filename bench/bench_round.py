"""The lead's round at scale, on PostgreSQL (database `bench_round`, created if missing and emptied each run):

- `dashboard_ms_ratio`: the tracking dashboard's time (queries and rendering, median of 15) at 3,000 organisations
  divided by its time at 30 (goal ≤ 1.5), with both times;
- `export_xlsx_seconds` and `export_peak_rss_mib`: the long XLSX export of 100,000 answers, written in a fresh
  process whose peak resident memory is read (goals ≤ 20 s, ≤ 300 MiB);
- `outbox_send_per_s`: messages sent per second from the outbox to an aiosmtpd server on this machine, in the
  job's batches.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

import psycopg
from flask import Flask
from sqlalchemy import select

from bench.bench_web import fresh_schema
from bench.peak import peak_rss_mib
from bench.round_data import seed_round
from survey import create_app
from survey.extensions import db
from survey.models import OutboxMessage, Round

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
ANSWER = (
    "We co-produced our crisis care pathway with local faith groups and people with lived experience of detention. "
    "The board reviews detention rates by ethnicity every quarter, and community advocates now join ward rounds. "
    "Staff shortages slowed the roll-out in the second half of the year, so we trained 40 more staff in spring. "
)


def database(server_url: str, name: str = "bench_round") -> str:
    """The benchmark database's SQLAlchemy URL, created on the server if missing."""
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"


def make_app(database_url: str, **config: object) -> Flask:
    """The app on the benchmark database, jobs inline."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": None,
            "BASE_URL": "http://127.0.0.1",
            "INVITATION_DAYS": 60,
            "MAIL_SENDER": "pledge@localhost",
            "MAIL_USE_TLS": False,
            **config,
        }
    )


def reset(app: Flask) -> None:
    """An empty schema."""
    with app.app_context():
        fresh_schema()


def dashboard_ms(app: Flask, round_ids: Sequence[int], repeats: int = 21) -> list[float]:
    """The dashboard view's median time in milliseconds per round (queries and rendering; the sign-in check left
    out), the rounds timed in turn so that this shared machine's swings touch them alike."""
    from survey.blueprints.manage.dashboard import dashboard

    view = dashboard.__wrapped__  # type: ignore[attr-defined]
    times: dict[int, list[float]] = {round_id: [] for round_id in round_ids}
    for i in range(repeats + 2):
        for round_id in round_ids:
            with app.test_request_context(f"/manage/rounds/{round_id}/dashboard"):
                started = time.perf_counter()
                view(round_id)
                if i >= 2:  # two warm-ups: templates compiled, statements cached
                    times[round_id].append(time.perf_counter() - started)
                db.session.remove()
    return [statistics.median(times[round_id]) * 1000 for round_id in round_ids]


def export_child(database_url: str, round_id: int) -> int:
    """In a fresh process: write the round's long XLSX export; print its seconds and this process's peak RSS."""
    from survey.services import exports

    app = make_app(database_url)
    with app.app_context(), tempfile.TemporaryFile() as out:
        rnd = db.session.get(Round, round_id)
        started, cpu = time.perf_counter(), time.process_time()
        exports.write_export(rnd, "long", out)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        size = out.tell()
    print(f"export_xlsx_seconds: {seconds:.2f}")
    # This machine is shared: the CPU time says what the export costs when it has a core to itself.
    print(f"export_xlsx_cpu_seconds: {cpu:.2f}")
    print(f"export_peak_rss_mib: {peak_rss_mib():.0f}")
    print(f"export_xlsx_mib: {size / 2**20:.1f}")
    return 0


def send_rate(database_url: str, messages: int) -> float:
    """Messages per second sent from the outbox to a local aiosmtpd server, in the job's batches."""
    from aiosmtpd.controller import Controller

    from survey.services import outbox, sending
    from tests.survey.mail_server import Inbox, free_port

    port = free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app = make_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        with app.app_context():
            seeded = seed_round(messages * 8 // 2 // 7 + 1)  # 7 of 8 organisations are invited, two contacts each
            outbox.invite_round(seeded.round_id, actor_id=None)
            db.session.commit()
            ids = list(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.kind == "invitation")))[
                :messages
            ]
            started = time.perf_counter()
            for i in range(0, len(ids), sending.BATCH_SIZE):
                sending.send_messages(ids[i : i + sending.BATCH_SIZE])
            seconds = time.perf_counter() - started
        assert len(inbox.messages) == len(ids), (len(inbox.messages), len(ids))
        return len(ids) / seconds
    finally:
        controller.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Seed, measure, print `name: value` lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--answers", type=int, default=100_000, help="answers in the exported round")
    parser.add_argument("--messages", type=int, default=1000, help="messages sent to the SMTP server")
    parser.add_argument("--export-child", type=int, metavar="ROUND_ID", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    database_url = database(args.pg.rstrip("/"))
    if args.export_child:
        return export_child(database_url, args.export_child)
    app = make_app(database_url)
    reset(app)
    with app.app_context():
        small, large = seed_round(30), seed_round(3000)
        ms_small, ms_large = dashboard_ms(app, [small.round_id, large.round_id])
    print(f"dashboard_ms_30: {ms_small:.1f}")
    print(f"dashboard_ms_3000: {ms_large:.1f}")
    print(f"dashboard_ms_ratio: {ms_large / ms_small:.2f}", flush=True)
    per_report = 200
    with app.app_context():
        # A quarter of the organisations have submitted: 4 × answers / 200 organisations give the answers asked for.
        exported = seed_round(4 * args.answers // per_report, answers_per_report=per_report, texts=[ANSWER, "=1+1"])
    print(f"export_answers: {exported.answers}", flush=True)
    child = [sys.executable, "-m", "bench.bench_round", "--pg", args.pg, "--export-child", str(exported.round_id)]
    done = subprocess.run(child, capture_output=True, text=True, timeout=600)
    sys.stdout.write(done.stdout)
    if done.returncode:
        sys.stderr.write(done.stderr)
        return done.returncode
    reset(app)
    print(f"outbox_send_per_s: {send_rate(database_url, args.messages):.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
