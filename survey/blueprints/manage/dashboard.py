"""The tracking dashboard of a round: who has not started, who is drafting, who has submitted, and what the
reminders brought; the table sorts, filters and searches by query string, without JavaScript."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for

from survey.auth import require_role
from survey.blueprints.manage import bp
from survey.extensions import db
from survey.models import Round
from survey.services import tracking


def _table_args() -> dict[str, object]:
    """The table's state filter, search, sort and page from the query string (junk falls back to defaults)."""
    sort = request.args.get("sort", "name")
    return {
        "state": request.args.get("state") or None,
        "search": (request.args.get("q") or "").strip()[:200],
        "sort": sort if sort in tracking.SORTS else "name",
        "descending": request.args.get("dir") == "desc",
        "page": max(request.args.get("page", 1, type=int) or 1, 1),
    }


def _table_url(round_id: int, args: dict[str, Any]) -> Any:
    """`table_url(**changes)` for the template: this page's URL with some table arguments changed."""

    def table_url(**changes: Any) -> str:
        query = {"state": args["state"], "q": args["search"], "sort": args["sort"], "page": args["page"]}
        query["dir"] = "desc" if args["descending"] else None
        query.update(changes)
        kept = {key: value for key, value in query.items() if value not in (None, "")}
        return url_for("manage.dashboard", round_id=round_id, _anchor="organisations", **kept)

    return table_url


def _state_items(selected: str | None) -> list[dict[str, Any]]:
    """The state filter's options."""
    options = [("", "Any state"), *tracking.STATES.items(), ("mail_failed", "E-mail not delivered")]
    return [{"value": value, "text": text, "selected": value == (selected or "")} for value, text in options]


@bp.get("/rounds/<int:round_id>/dashboard")
@require_role("lead", "reviewer")
def dashboard(round_id: int) -> str:
    """Counts by state, the response rate, days to the deadline, submissions over time, reminder waves and a
    page of the organisations table."""
    rnd = db.get_or_404(Round, round_id)
    args = _table_args()
    summary = tracking.summary(rnd.id)
    days = tracking.submissions_by_day(rnd.id)
    return render_template(
        "manage/dashboard.html",
        round=rnd,
        summary=summary,
        days=days,
        chart=tracking.chart(rnd, days, summary.total),
        waves=tracking.reminder_waves(rnd.id, days),
        table=tracking.organisations(rnd.id, summary=summary, **args),  # type: ignore[arg-type]
        args=args,
        days_left=tracking.days_to_deadline(rnd),
        states=tracking.STATES,
        per_page=tracking.PER_PAGE,
        table_url=_table_url(rnd.id, args),
        state_items=_state_items(args["state"]),  # type: ignore[arg-type]
    )
