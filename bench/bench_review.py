"""Benchmark the review workspace on PostgreSQL: the filtered answer list at 3,000 organisations against 30, and the
streamed REFI-QDA project export of 100,000 coded answers.

Prints `name: value` lines: filter_page_ms_30, filter_page_ms_3000, filter_page_ms_ratio (goal <= 1.5),
qdpx_export_seconds (goal <= 30), qdpx_export_peak_rss_mib (goal <= 300) and qdpx_bytes. Uses its own PostgreSQL
database (`bench_review_lists`, created if missing), so the tests' data are untouched. The export runs in a fresh
process, so its peak RSS is the export's alone (not the seeding's).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from werkzeug.test import TestResponse  # noqa: E402

from bench.peak import peak_rss_mib  # noqa: E402
from survey import create_app  # noqa: E402
from survey.extensions import db  # noqa: E402
from survey.models import Base, Round, utcnow  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
# A reviewer's typical narrowing: one commitment's unreviewed answers on one theme, searched for a word.
FILTERED = "commitment=3&theme=workforce&status=unreviewed&q=training"


def make_app(database_url: str) -> Flask:
    """The app on the benchmark database (inline jobs: nothing is queued here)."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": None,
            "BASE_URL": "http://127.0.0.1",
            "WTF_CSRF_ENABLED": False,
        }
    )


def _seed(app: Flask, sizes: Sequence[int]) -> list[int]:
    """A fresh schema and one round per size (organisations); returns the rounds' ids."""
    from tests.review_data import seed_round

    with app.app_context():
        with db.engine.begin() as conn:  # its own database: start from an empty schema
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        Base.metadata.create_all(db.engine)
        ids = [seed_round(n, seed=i + 1).round_id for i, n in enumerate(sizes)]
        with db.engine.begin() as conn:  # committed: ANALYZE's statistics are transactional
            conn.exec_driver_sql("ANALYZE")
        return ids


class _FormClient:
    """The Flask test client with the `get(url)` / `post(url, form)` calls that `tests.staff_login.sign_in` makes,
    each request in an app context of its own (so a session of its own, as in a server) although the helper runs
    inside one to read the account's secret."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app, self.client = app, client

    def get(self, url: str) -> TestResponse:
        with self.app.app_context():
            return self.client.get(url)

    def post(self, url: str, form: dict[str, str]) -> TestResponse:
        with self.app.app_context():
            return self.client.post(url, data=form)


def _page_ms(app: Flask, round_id: int, repeats: int) -> float:
    """Median time of the filtered list page, signed in as a reviewer, after warming up."""
    from tests.review_data import PASSWORD
    from tests.staff_login import sign_in

    client = app.test_client()
    with app.app_context():  # the helper reads the account's TOTP secret from the database
        # A fresh account sets two-factor up and is shown its recovery codes (200); an enrolled one is redirected.
        reply = sign_in(_FormClient(app, client), "reviewer1.1@pledge.example", PASSWORD)
    assert reply.status_code in (200, 302), reply.status_code
    url = f"/review/rounds/{round_id}/answers?{FILTERED}"
    times = []
    for i in range(repeats + 3):
        started = time.perf_counter()
        page = client.get(url)
        elapsed = time.perf_counter() - started
        assert page.status_code == 200, f"{url} answered {page.status_code} to the signed-in reviewer"
        if i >= 3:
            times.append(elapsed * 1000)
    return statistics.median(times)


def export_once(database_url: str, round_id: int) -> None:
    """Stream one round's .qdpx to nothing and print its time, size and this process's peak RSS (a subprocess)."""
    from survey.blueprints.review.rounds import question_labels
    from survey.services import qda

    app = make_app(database_url)
    with app.app_context():
        rnd = db.session.get(Round, round_id)
        started = time.perf_counter()
        size = sum(len(chunk) for chunk in qda.stream_qdpx(rnd, question_labels(rnd), utcnow()))
        seconds = time.perf_counter() - started
    rss = peak_rss_mib()
    print(f"qdpx_export_seconds: {seconds:.1f}")
    print(f"qdpx_export_peak_rss_mib: {rss:.0f}")
    print(f"qdpx_bytes: {size}")


def main(argv: Sequence[str] | None = None) -> int:
    """Seed, time the list page at both sizes, then export the large round in a fresh process."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--small", type=int, default=30, help="organisations in the small round")
    parser.add_argument("--large", type=int, default=3000, help="organisations in the large round")
    parser.add_argument("--export-answers", type=int, default=100_000, help="answers in the exported round")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="time the rounds already seeded (same sizes)")
    args = parser.parse_args(argv)

    from bench.bench_retag import ensure_database  # here: bench_retag imports spaCy, the export process must not

    url = ensure_database(args.pg, "bench_review_lists")
    app = make_app(url)
    per_org = 7 * 3  # seed_round: seven commitments, three free-text questions each
    export_orgs = -(-args.export_answers // per_org)
    started = time.perf_counter()
    small, large, exported = (1, 2, 3) if args.reuse else _seed(app, [args.small, args.large, export_orgs])
    print(f"seed_seconds: {time.perf_counter() - started:.1f}", flush=True)
    at_small = _page_ms(app, small, args.repeats)
    at_large = _page_ms(app, large, args.repeats)
    print(f"filter_page_ms_{args.small}: {at_small:.1f}")
    print(f"filter_page_ms_{args.large}: {at_large:.1f}")
    print(f"filter_page_ms_ratio: {at_large / at_small:.2f}", flush=True)
    code = f"import bench.bench_review as b; b.export_once({url!r}, {exported})"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
