"""The audit trail: one call records who did what to which row."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TextIO

from sqlalchemy import Select, case, func, or_, select

from survey.extensions import db
from survey.models import AuditEvent, Contact, User


def record(
    action: str,
    *,
    actor_type: str,
    actor_id: int | None,
    target_type: str,
    target_id: int | None,
    summary: str = "",
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the session (committed with the change it describes)."""
    event = AuditEvent(
        action=action,
        actor_type=actor_type,
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
        summary=summary,
        details=details,
    )
    db.session.add(event)
    return event


def events(action: str, *, target_type: str, target_id: int) -> list[AuditEvent]:
    """The events of one kind about one row, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.target_type == target_type, AuditEvent.target_id == target_id)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
    )


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log page shows: events whose action starts with `action`, by actors whose name or e-mail
    contains `actor`, on or after `since` and on or before `until` (dates, UK days as stored: UTC)."""

    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None


def _who() -> tuple[Any, Any]:
    """Name and e-mail of an event's actor: a staff account or a respondent contact."""
    name = case(
        (AuditEvent.actor_type == "user", User.name),
        (AuditEvent.actor_type == "contact", Contact.name),
        else_=AuditEvent.actor_type,
    )
    email = case(
        (AuditEvent.actor_type == "user", User.email), (AuditEvent.actor_type == "contact", Contact.email), else_=""
    )
    return name, email


def search(wanted: AuditFilter, *, limit: int | None = None) -> Select[Any]:
    """The events matching `wanted`, newest first, each with its actor's name and e-mail."""
    name, email = _who()
    query = (
        select(AuditEvent, name.label("actor_name"), email.label("actor_email"))
        .outerjoin(User, (AuditEvent.actor_type == "user") & (User.id == AuditEvent.actor_id))
        .outerjoin(Contact, (AuditEvent.actor_type == "contact") & (Contact.id == AuditEvent.actor_id))
        .order_by(AuditEvent.id.desc())
    )
    if wanted.action:
        query = query.where(AuditEvent.action.startswith(wanted.action, autoescape=True))
    if wanted.actor:
        needle = f"%{wanted.actor.lower()}%"
        query = query.where(or_(func.lower(name).like(needle), func.lower(email).like(needle)))
    if wanted.since:
        query = query.where(AuditEvent.at >= datetime.combine(wanted.since, time.min, tzinfo=UTC))
    if wanted.until:
        query = query.where(AuditEvent.at < datetime.combine(wanted.until + timedelta(days=1), time.min, tzinfo=UTC))
    return query.limit(limit) if limit else query


CSV_COLUMNS = ("id", "at_utc", "actor_type", "actor_id", "actor_name", "actor_email", "action", "target_type",
               "target_id", "summary", "details")  # fmt: skip


def write_csv_header(out: TextIO) -> None:
    """The header row of the audit CSV."""
    csv.writer(out).writerow(CSV_COLUMNS)


def write_csv(rows: Iterable[Any], out: TextIO) -> None:
    """Events (with their actors' names and e-mails) as CSV rows; cells a spreadsheet would run as a formula are
    neutralised."""
    writer = csv.writer(out)
    for event, actor_name, actor_email in rows:
        cells = (event.id, event.at.isoformat(), event.actor_type, event.actor_id, actor_name, actor_email,
                 event.action, event.target_type, event.target_id, event.summary,
                 json.dumps(event.details, sort_keys=True, ensure_ascii=False))  # fmt: skip
        writer.writerow([safe_cell(c) for c in cells])


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: one starting with =, +, -, @, tab or CR gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value
