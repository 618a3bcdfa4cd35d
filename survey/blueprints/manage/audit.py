"""The audit log: who did what, when; filterable, exportable as CSV. Append-only: no page changes an event."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user

from survey.blueprints.manage import bp
from survey.extensions import db
from survey.permissions import READ_AUDIT, require
from survey.services import audit

PAGE_SIZE = 200
ACTIONS = (
    ("", "Everything"),
    ("user.sign", "Sign-ins and sign-outs"),
    ("user.sign_in_failed", "Failed sign-ins"),
    ("user.", "Staff accounts (roles, two-factor, passwords)"),
    ("invitation.", "Invitations"),
    ("reminder.", "Reminders"),
    ("response.", "Reports (submissions, re-opens)"),
    ("reopen", "Re-open requests"),
    ("export.", "Exports"),
    ("organisation", "Organisations and imports"),
    ("round.", "Rounds"),
)


def _filter() -> tuple[audit.AuditFilter, dict[str, str]]:
    """The filter in the query string, and a message for each part that could not be read (that part is ignored)."""
    problems: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for key, label in (("since", "From"), ("until", "To")):
        raw = request.args.get(key, "").strip()
        try:
            dates[key] = date.fromisoformat(raw) if raw else None
        except ValueError:
            dates[key] = None
            problems[key] = f"{label}: enter a real date, like 2026-12-31"
    action = request.args.get("action", "")
    if action not in dict(ACTIONS):
        action = ""
    wanted = audit.AuditFilter(action=action, actor=request.args.get("actor", "").strip()[:200], **dates)
    return wanted, problems


@bp.get("/audit")
@require(READ_AUDIT)
def audit_log() -> tuple[str, int]:
    """The newest events matching the filter."""
    wanted, problems = _filter()
    rows = db.session.execute(audit.search(wanted, limit=PAGE_SIZE)).all()
    return render_template(
        "manage/audit.html", rows=rows, wanted=wanted, actions=ACTIONS, problems=problems, page_size=PAGE_SIZE
    ), (400 if problems else 200)


@bp.get("/audit.csv")
@require(READ_AUDIT)
def audit_csv() -> Response:
    """Every event matching the filter as CSV, streamed; the export itself is audited."""
    wanted, _ = _filter()
    audit.record("export.audit_log", actor_type="user", actor_id=current_user.id, target_type="audit", target_id=None,
                 action_filter=wanted.action, actor_filter=wanted.actor)  # fmt: skip
    db.session.commit()
    return Response(
        stream_with_context(_csv_chunks(wanted)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )


def _csv_chunks(wanted: audit.AuditFilter) -> Iterator[str]:
    """The CSV a thousand events at a time, so a long log never sits in memory."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 only with a BOM
    audit.write_csv_header(buffer)
    rows = db.session.execute(audit.search(wanted).execution_options(yield_per=1000))
    for batch in rows.partitions(1000):
        audit.write_csv(batch, buffer)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
