"""Benchmark building the thematic synthesis of a large round: 3,000 organisations, about 100,000 answers with
codes, and a previous round to compare with.

Prints `name: value` lines: synthesis_seconds (goal <= 15) and synthesis_peak_rss_mib (goal <= 400), both from a
fresh process that builds and stores one version (gather, PDF, snapshot). Uses its own PostgreSQL database
(`bench_synthesis`, created and seeded if missing or of another size), so the tests' data are untouched.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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

from flask import Flask  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from bench.bench_retag import ensure_database  # noqa: E402
from survey import create_app  # noqa: E402
from survey.demo.content import ORGANISATIONS, answer_text  # noqa: E402
from survey.extensions import db  # noqa: E402
from survey.models import Answer, Base, Code, Organisation, Response, Round  # noqa: E402
from survey.services import codebooks, pledges  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
KINDS = ("nhs_mh_trust", "council", "icb", "partnership", "vcse")
REGIONS = (
    "London",
    "North West",
    "North East and Yorkshire",
    "Midlands",
    "South East",
    "South West",
    "East of England",
)
# 40 free-text answers a report, as the product brief's national scale has: the questionnaire's 24, and 16 more
# actions on the commitments (as a longer questionnaire would ask).
FREE_TEXT = (
    [(f"c{n}.{q}", q, n) for n in range(1, 8) for q in ("actions", "impact", "challenges")]
    + [
        ("goals", "goals", None),
        ("support_wanted", "support_wanted", None),
        ("changes_since_last", "changes_since_last", None),
    ]
    + [(f"c{k % 7 + 1}.more_actions_{k}", "actions", k % 7 + 1) for k in range(16)]
)
RATINGS = ("not_started", "planning", "early_progress", "good_progress", "embedded")
MEASURES = ("mha_detentions", "cto", "restrictive_interventions", "access_referrals")


def make_app(database_url: str) -> Flask:
    """The app on the benchmark database."""
    return create_app({"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": database_url})


def _counts(rng: random.Random) -> dict[str, dict[str, int]]:
    groups = {"asian": 0.12, "black": 0.06, "mixed": 0.03, "white": 0.75, "other": 0.04}
    total = rng.randrange(200_000, 1_000_000)
    return {
        g: {"population": int(total * share), "detentions": int(total * share * rng.uniform(40, 300) / 100_000)}
        for g, share in groups.items()
    }


def _structured(rng: random.Random) -> list[tuple[str, str, int | None, Any]]:
    rows: list[tuple[str, str, int | None, Any]] = [
        (f"c{n}.progress", "progress", n, rng.choice(RATINGS)) for n in range(1, 8)
    ]
    rows += [
        ("c2.measures", "measures", 2, rng.sample(MEASURES, rng.randint(1, 3))),
        ("c2.ethnicity_counts", "ethnicity_counts", 2, _counts(rng)),
        ("publish", "publish", None, "yes" if rng.random() < 0.85 else "no"),
        ("quote_attribution", "quote_attribution", None, rng.choice(("attributed", "anonymous"))),
    ]
    return rows


def seed(organisations: int, seed_value: int = 11) -> int:
    """A fresh schema with two rounds of the same organisations (about 90% reporting in each); returns the later
    round's id."""
    Base.metadata.drop_all(db.engine)
    Base.metadata.create_all(db.engine)
    rng = random.Random(seed_value)
    pledge = pledges.ensure_pledge()
    questionnaire = pledges.ensure_questionnaire(pledge)
    version = codebooks.ensure_starting_codebook(pledge)
    themes = list(codebooks.theme_ids(version.id).items())
    db.session.execute(
        insert(Organisation),
        [
            {"pledge_id": pledge.id, "name": f"Organisation {i:05d}", "kind": KINDS[i % 5], "region": REGIONS[i % 7]}
            for i in range(organisations)
        ],
    )
    org_ids = db.session.scalars(select(Organisation.id).order_by(Organisation.id)).all()
    pool = [
        answer_text(rng, question=q, commitment=n, org=ORGANISATIONS[i % len(ORGANISATIONS)], round_number=1)
        for i, (_, q, n) in enumerate(FREE_TEXT * 40)
    ]
    previous = None
    for number in (1, 2):
        rnd = Round(
            pledge_id=pledge.id,
            number=number,
            name=f"Bench round {number}",
            opens_on=date.today() - timedelta(days=30),
            deadline=date.today(),
            questionnaire_version_id=questionnaire.id,
            previous_round_id=previous,
        )
        db.session.add(rnd)
        db.session.flush()
        previous = rnd.id
        db.session.execute(
            insert(Response),
            [
                {
                    "round_id": rnd.id,
                    "organisation_id": org_id,
                    "reference": f"B{number}-{i:06d}",
                    "status": "submitted" if rng.random() < 0.9 else "not_started",
                }
                for i, org_id in enumerate(org_ids)
            ],
        )
        submitted = db.session.scalars(
            select(Response.id).where(Response.round_id == rnd.id, Response.status == "submitted").order_by(Response.id)
        ).all()
        _answers(rng, rnd.id, submitted, pool)
        _codes(rng, rnd.id, themes, version.id)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    assert previous is not None
    return previous


def _answers(rng: random.Random, round_id: int, response_ids: Sequence[int], pool: Sequence[str]) -> None:
    rows: list[dict[str, Any]] = []
    for response_id in response_ids:
        for key, question, number in FREE_TEXT:
            text = rng.choice(pool)
            rows.append(
                {
                    "round_id": round_id,
                    "response_id": response_id,
                    "field_key": key,
                    "question_key": question,
                    "commitment_number": number,
                    "value": text,
                    "text": text,
                    "tagging": "tagged",
                }
            )
        for key, question, number, value in _structured(rng):
            rows.append(
                {
                    "round_id": round_id,
                    "response_id": response_id,
                    "field_key": key,
                    "question_key": question,
                    "commitment_number": number,
                    "value": value,
                    "text": None,
                    "tagging": "none",
                }
            )
        if len(rows) >= 20_000:
            db.session.execute(insert(Answer.__table__), rows)
            rows = []
    if rows:
        db.session.execute(insert(Answer.__table__), rows)


def _codes(rng: random.Random, round_id: int, themes: Sequence[tuple[str, int]], version_id: int) -> None:
    """Two codes per free-text answer: most reviewed (accepted, some rejected, a few added), the rest proposed."""
    answers = db.session.execute(
        select(Answer.id, Answer.text)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.round_id == round_id, Answer.text.is_not(None))
    ).all()
    rows: list[dict[str, Any]] = []
    for answer_id, text in answers:
        cut = text.find(". ") + 1 or len(text)
        for key, theme_id in rng.sample(themes, 2):
            roll = rng.random()
            status = "accepted" if roll < 0.6 else "rejected" if roll < 0.7 else "proposed"
            rows.append(
                {
                    "answer_id": answer_id,
                    "theme_id": theme_id,
                    "theme_key": key,
                    "codebook_version_id": version_id,
                    "source": "reviewer" if roll > 0.97 else "rule",
                    "status": status,
                    "level": "possible" if rng.random() < 0.15 else "proposed",
                    "spans": [[0, cut]],
                    "confidence": 0.8,
                }
            )
        if len(rows) >= 20_000:
            db.session.execute(insert(Code.__table__), rows)
            rows = []
    if rows:
        db.session.execute(insert(Code.__table__), rows)


_BUILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from bench.bench_synthesis import make_app
from bench.peak import peak_rss_mib
from survey.extensions import db
from survey.models import SynthesisKind
from survey.services import syntheses
app = make_app({url!r})
with app.app_context():
    started, cpu = time.perf_counter(), time.process_time()
    built = syntheses.build({round_id}, SynthesisKind.FINAL)
    db.session.commit()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({{"seconds": seconds, "cpu": cpu, "rss_kib": peak_rss_mib() * 1024,
                      "bytes": built.size, "version": built.version}}))
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Seed (once) and time one synthesis build in a fresh process."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--organisations", type=int, default=3000)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--database", default="bench_synthesis")
    args = parser.parse_args(argv)
    url = ensure_database(args.pg, args.database)
    app = make_app(url)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        have = db.session.scalar(select(func.count()).select_from(Organisation))
        round_id = db.session.scalar(select(func.max(Round.id)))
        answers = db.session.scalar(select(func.count()).select_from(Answer))
        texts = db.session.scalar(select(func.count()).select_from(Answer).where(Answer.text.is_not(None))) or 0
        reports = db.session.scalar(select(func.count()).select_from(Response).where(Response.status == "submitted"))
        db.session.rollback()  # drop_all runs on another connection: hold no locks here
        if have != args.organisations or round_id is None or texts != len(FREE_TEXT) * (reports or 0):
            started = time.perf_counter()
            round_id = seed(args.organisations)
            answers = db.session.scalar(select(func.count()).select_from(Answer))
            print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)
        codes = db.session.scalar(select(func.count()).select_from(Code))
        coded = db.session.scalar(
            select(func.count(func.distinct(Code.answer_id)))
            .join(Answer, Answer.id == Code.answer_id)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id == round_id)
        )
    print(f"synthesis_organisations: {args.organisations}")
    print(f"synthesis_answers_two_rounds: {answers}")
    print(f"synthesis_coded_answers_latest_round: {coded}")
    print(f"synthesis_codes_two_rounds: {codes}")
    code = _BUILD.format(root=str(ROOT), url=url, round_id=round_id)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return 1
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"synthesis_seconds: {result['seconds']:.2f}")
    print(f"synthesis_cpu_seconds: {result['cpu']:.2f}")  # this process alone: the machine may be shared
    print(f"synthesis_peak_rss_mib: {result['rss_kib'] / 1024:.0f}")
    print(f"synthesis_pdf_kib: {result['bytes'] / 1024:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
