"""The audit trail: one call records who did what to which row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditEvent


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
