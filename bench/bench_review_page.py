"""Benchmark the review page of one answer in a round of 100,000 coded answers, under gunicorn on PostgreSQL.

Prints `name: value` lines: review_page_rps (the page of one answer, signed in as a reviewer), healthz_rps (the
bare endpoint on the same server) and review_page_rps_ratio (goal >= 0.25). Loopback only; uses its own PostgreSQL
database `bench_review` (created if missing, its tables dropped and recreated); the server set-up is bench_web's.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from bench.bench_web import (  # noqa: E402
    _app,
    ensure_database,
    free_port,
    fresh_schema,
    requests_per_second,
    start_gunicorn,
    stop,
)
from survey.extensions import db  # noqa: E402
from survey.models import Answer, Code, Organisation, Response, Round, utcnow  # noqa: E402
from survey.services import codebooks, pledges, responses, staff  # noqa: E402
from tests.conftest import Browser  # noqa: E402
from tests.staff_login import sign_in  # noqa: E402

QUESTIONS = ("actions", "impact", "challenges")
EMAIL, PASSWORD = "reviewer@bench.example", "a long bench reviewer password"
TEXT = (
    "In {n} we co-produced our crisis care pathway with carers and faith groups, trained every ward manager in "
    "cultural competence and published our ethnicity data on a dashboard that the board reviews each quarter."
)
EVIDENCE = (("community_partnership", "co-produced our crisis care pathway"), ("carers_families", "carers"))


def seed(database_url: str, answers: int) -> int:
    """A fresh schema with one round of submitted reports holding `answers` coded answers; the middle one's id."""
    app = _app(database_url)
    with app.app_context():
        fresh_schema()
        pledge = pledges.ensure_pledge()
        questionnaire = pledges.ensure_questionnaire(pledge)
        version = codebooks.ensure_starting_codebook(pledge)
        themes = {t.key: t.id for t in version.themes}
        rnd = Round(
            pledge_id=pledge.id,
            number=1,
            name="Bench round",
            opens_on=date.today() - timedelta(days=30),
            deadline=date.today() + timedelta(days=1),
            questionnaire_version_id=questionnaire.id,
        )
        db.session.add(rnd)
        staff.create_user(EMAIL, PASSWORD, role="reviewer", name="Bench Reviewer")
        db.session.flush()
        per_response = 7 * len(QUESTIONS)
        for first in range(0, -(-answers // per_response), 500):
            _seed_responses(
                rnd.id, pledge.id, range(first, min(first + 500, -(-answers // per_response))), themes, version.id
            )
        db.session.commit()
        ids = list(db.session.scalars(select(Answer.id).order_by(Answer.id)))
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return ids[len(ids) // 2]


def _seed_responses(round_id: int, pledge_id: int, numbers: range, themes: dict[str, int], version_id: int) -> None:
    """Submitted responses with every commitment's free-text answers, each with two rule codes."""
    now = utcnow()
    orgs = [
        Organisation(pledge_id=pledge_id, name=f"Bench Trust {i}", kind="nhs_mh_trust", region="London")
        for i in numbers
    ]
    db.session.add_all(orgs)
    db.session.flush()
    reports = [
        Response(
            round_id=round_id,
            organisation_id=o.id,
            reference=responses.new_reference(),
            status="submitted",
            submitted_at=now,
        )
        for o in orgs
    ]
    db.session.add_all(reports)
    db.session.flush()
    rows = [
        {
            "response_id": r.id,
            "round_id": round_id,
            "field_key": f"c{c}.{q}",
            "question_key": q,
            "commitment_number": c,
            "value": TEXT.format(n=r.id),
            "text": TEXT.format(n=r.id),
            "tagging": "tagged",
            "revision": 1,
            "updated_at": now,
        }
        for r in reports
        for c in range(1, 8)
        for q in QUESTIONS
    ]
    ids = db.session.scalars(insert(Answer.__table__).returning(Answer.__table__.c.id), rows).all()
    body = TEXT.format(n=0)
    codes = [
        {
            "answer_id": a,
            "theme_id": themes[key],
            "theme_key": key,
            "codebook_version_id": version_id,
            "source": "rule",
            "status": "proposed",
            "spans": [[body.index(words), body.index(words) + len(words)]],
            "answer_revision": 1,
            "confidence": 0.8,
            "level": "proposed",
            "note": "",
            "created_at": now,
        }
        for a in ids
        for key, words in EVIDENCE
    ]
    db.session.execute(insert(Code.__table__), codes)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: size and durations."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per rps measurement")
    parser.add_argument("--log", type=Path, default=Path("/tmp/bench_review_gunicorn.log"))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Seed, start gunicorn, sign a reviewer in, measure, stop; print `name: value` lines."""
    args = parse_args(argv)
    database_url = ensure_database(args.pg.rstrip("/"), "bench_review")
    answer_id = seed(database_url, args.answers)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    proc = start_gunicorn(database_url, port, args.workers, args.log)
    try:
        browser = Browser(base_url)
        sign_in(browser, EMAIL, PASSWORD)
        cookies = httpx.Cookies(browser.http.cookies)
        page = f"/review/answers/{answer_id}?commitment=4"
        if browser.get(page).status_code != 200:
            raise RuntimeError(f"{page} did not answer 200 to the signed-in reviewer")
        requests_per_second(base_url, page, cookies, 1.0, args.clients)  # warm-up
        healthz, _ = requests_per_second(base_url, "/healthz", httpx.Cookies(), args.seconds, args.clients)
        review, _ = requests_per_second(base_url, page, cookies, args.seconds, args.clients)
    finally:
        stop(proc)
    print(f"review_answers: {args.answers}")
    print(f"healthz_rps: {healthz:.1f}")
    print(f"review_page_rps: {review:.1f}")
    print(f"review_page_rps_ratio: {review / healthz:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
