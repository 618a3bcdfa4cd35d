"""A large round made fast with bulk inserts (the dashboard's and the export's tests and benchmark): organisations
with two contacts each, responses in every state, invitations, reminders, and answers for the submitted ones."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from survey.extensions import db
from survey.models import Answer, Contact, Invitation, Organisation, OutboxMessage, Response, Round
from survey.services import pledges
from survey.services.exports import columns

STATES = ("submitted", "in_progress", "invited", "opened", "submitted", "reopened", "not_invited", "invited")

UK = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Seeded:
    """What was made: the round's id and how many organisations are in each state, and answers in all."""

    round_id: int
    by_state: dict[str, int]
    answers: int


def _bulk(model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows and return their ids in order (one statement per 1,000 rows)."""
    ids: list[int] = []
    for i in range(0, len(rows), 1000):
        ids += db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows[i : i + 1000])
    return ids


def seed_round(organisations: int, *, answers_per_report: int = 0, texts: list[str] | None = None) -> Seeded:
    """A round with this many organisations cycling through every state; each submitted report gets
    `answers_per_report` answers (cycling through the questionnaire's keys and `texts`). Commits."""
    pledge = pledges.ensure_pledge()
    questionnaire = pledges.ensure_questionnaire(pledge)
    number = (db.session.scalar(select(Round.number).order_by(Round.number.desc()).limit(1)) or 0) + 1
    today = datetime.now(UK).date()
    rnd = Round(
        pledge_id=pledge.id,
        number=number,
        name=f"Round {number}",
        opens_on=today - timedelta(days=20),
        deadline=today + timedelta(days=10),
        questionnaire_version_id=questionnaire.id,
    )
    db.session.add(rnd)
    db.session.flush()
    now = datetime.now(UTC)
    # Submissions and reminders are dated from a minute past midnight, UK time, of their day: an hour's offset from
    # `now` would move one across midnight when the seed runs just after it, and the dashboard counts by day.
    day_start = datetime.combine(today, time(0, 1), tzinfo=UK).astimezone(UTC)
    org_ids = _bulk(
        Organisation,
        [
            {
                "pledge_id": pledge.id,
                "name": f"Bulk organisation {number}-{i:05d}",
                "kind": "nhs_mh_trust",
                "region": "London",
                "created_at": now,
            }
            for i in range(organisations)
        ],
    )
    contact_ids = _bulk(
        Contact,
        [
            {
                "organisation_id": org,
                "name": f"Person {j} of {org}",
                "role": "Director",
                "email": f"p{j}.org{org}@bulk.example",
            }
            for org in org_ids
            for j in range(2)
        ],
    )
    states = [STATES[i % len(STATES)] for i in range(organisations)]
    status = {"opened": "not_started", "invited": "not_started", "not_invited": "not_started"}
    response_ids = _bulk(
        Response,
        [
            {
                "round_id": rnd.id,
                "organisation_id": org,
                "reference": f"B{number}-{i:07d}",
                "status": status.get(s, s),
                "submitted_at": day_start - timedelta(days=i % 15) if s == "submitted" else None,
                "submitted_by_id": contact_ids[2 * i] if s == "submitted" else None,
                "last_activity_at": now - timedelta(hours=i % 50) if s != "not_invited" else None,
            }
            for i, (org, s) in enumerate(zip(org_ids, states, strict=True))
        ],
    )
    invitations = [
        {
            "response_id": rid,
            "contact_id": contact_ids[2 * i + j],
            "expires_at": now + timedelta(days=60),
            "token_hash": hashlib.sha256(f"{rid}-{j}-{now}".encode()).hexdigest(),
            "last_used_at": now - timedelta(hours=2) if states[i] != "invited" and j == 0 else None,
            "created_at": now,
        }
        for i, rid in enumerate(response_ids)
        if states[i] != "not_invited"
        for j in range(2)
    ]
    _bulk(Invitation, invitations)
    reminders = [
        {
            "key": f"{rnd.id}:{contact_ids[2 * i]}:reminder:1",
            "round_id": rnd.id,
            "contact_id": contact_ids[2 * i],
            "response_id": rid,
            "kind": "reminder",
            "sequence": 1,
            "to_address": f"p0.org{org_ids[i]}@bulk.example",
            "subject": "Reminder",
            "body": "Reminder",
            "status": "sent" if i % 7 else "bounced",
            "created_at": day_start - timedelta(days=5),
            "attempts": 1,
        }
        for i, rid in enumerate(response_ids)
        if states[i] in ("in_progress", "invited", "opened")
    ]
    _bulk(OutboxMessage, reminders)
    keys = [c for c in columns(rnd)]
    texts = texts or ["We co-produced our plan with community groups.", "=1+1", "-2", "@SUM(A1)"]
    answers = []
    for i, rid in enumerate(response_ids):
        if states[i] != "submitted":
            continue
        for k in range(answers_per_report):
            column = keys[k % len(keys)]
            suffix = "" if k < len(keys) else f"#{k // len(keys)}"
            answers.append(
                {
                    "round_id": rnd.id,
                    "response_id": rid,
                    "field_key": column.field_key + suffix,
                    "question_key": column.question_key,
                    "commitment_number": column.commitment,
                    "value": texts[(i + k) % len(texts)],
                    "text": texts[(i + k) % len(texts)],
                    "revision": 1,
                    "updated_at": now,
                    "tagging": "none",
                }
            )
    _bulk(Answer, answers)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # fresh statistics, as autovacuum would gather after a bulk load
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    counts = {s: states.count(s) for s in set(STATES)}
    return Seeded(rnd.id, counts, len(answers))
