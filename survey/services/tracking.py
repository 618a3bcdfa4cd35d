"""The tracking dashboard of a round: each organisation's state, counts, submissions over time, what each wave of
reminders brought, and a page of the organisations table. A fixed number of SQL statements whatever the number of
organisations: the counting happens in the database, and only one page of organisations is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Subquery

from survey.extensions import custom_plans, db
from survey.models import Contact, Invitation, MailKind, Organisation, OutboxMessage, Response, Round, SectionState
from survey.models.states import ResponseStatus
from survey.services.outbox import PROBLEMS

STATES = {
    "not_invited": "Not invited",
    "invited": "Invited",
    "opened": "Opened",
    "in_progress": "In progress",
    "submitted": "Submitted",
    "reopened": "Re-opened",
}
SORTS = {"name", "state", "activity"}
PER_PAGE = 50


def _mail_problems(round_id: int) -> Subquery:
    """Per response of the round: how many of its messages were refused, failed or bounced."""
    return (
        select(OutboxMessage.response_id, func.count().label("failed"))
        .where(OutboxMessage.round_id == round_id, OutboxMessage.status.in_(PROBLEMS))
        .group_by(OutboxMessage.response_id)
        .subquery("mail")
    )


def _opened() -> ColumnElement[Any]:
    """When an invitation to the response was last opened (looked up only for the rows that need it)."""
    return (
        select(func.max(Invitation.last_used_at))
        .where(Invitation.response_id == Response.id)
        .correlate(Response)
        .scalar_subquery()
    )


def _state(opened: ColumnElement[bool] | None = None, invited: ColumnElement[bool] | None = None) -> ColumnElement[str]:
    """An organisation's state in the round, in SQL: the invitations are looked at only for reports not started,
    by EXISTS per report unless the caller has them joined (`opened`, `invited`)."""
    if opened is None or invited is None:
        invitations = select(Invitation.id).where(Invitation.response_id == Response.id).correlate(Response)
        opened, invited = invitations.where(Invitation.last_used_at.is_not(None)).exists(), invitations.exists()
    return case(
        (Response.status == ResponseStatus.SUBMITTED, "submitted"),
        (Response.status == ResponseStatus.REOPENED, "reopened"),
        (Response.status == ResponseStatus.IN_PROGRESS, "in_progress"),
        (opened, "opened"),
        (invited, "invited"),
        else_="not_invited",
    )


@dataclass(frozen=True)
class Summary:
    """The counts at the top of the dashboard."""

    total: int
    by_state: dict[str, int]
    mail_failed: int

    @property
    def submitted(self) -> int:
        return self.by_state["submitted"]

    @property
    def rate(self) -> int:
        """The response rate as a whole percentage."""
        return round(100 * self.submitted / self.total) if self.total else 0


def summary(round_id: int) -> Summary:
    """How many organisations are in each state, and how many have an e-mail that was not delivered (one query).
    The invitations are read for this round's reports not started only (an aggregate joined once), not tested per
    report against every invitation of every round."""
    mail = _mail_problems(round_id)
    started = aliased(Response)
    invited = (
        select(Invitation.response_id, func.max(Invitation.last_used_at).label("opened"))
        .join(started, started.id == Invitation.response_id)
        .where(started.round_id == round_id, started.status == ResponseStatus.NOT_STARTED)
        .group_by(Invitation.response_id)
        .subquery("invited")
    )
    state = _state(invited.c.opened.is_not(None), invited.c.response_id.is_not(None)).label("state")
    query = (
        select(state, func.count(), func.count(mail.c.failed))
        .select_from(Response)
        .outerjoin(mail, mail.c.response_id == Response.id)
        .outerjoin(invited, invited.c.response_id == Response.id)
        .where(Response.round_id == round_id)
        .group_by(state)
    )
    by_state = dict.fromkeys(STATES, 0)
    failed = 0
    with custom_plans():
        found = db.session.execute(query).all()
    for name, n, with_problems in found:
        by_state[name] = n
        failed += with_problems
    return Summary(sum(by_state.values()), by_state, failed)


@dataclass(frozen=True)
class Day:
    """Submissions on one day and the running total."""

    day: date
    count: int
    total: int


def _as_date(value: Any) -> date:
    """A date from the database (SQLite's date() returns text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def submissions_by_day(round_id: int) -> list[Day]:
    """Submissions per day (UTC), with the running total, in one query."""
    day = func.date(Response.submitted_at)
    query = (
        select(day, func.count())
        .where(Response.round_id == round_id, Response.submitted_at.is_not(None))
        .group_by(day)
        .order_by(day)
    )
    days, total = [], 0
    for value, n in db.session.execute(query):
        total += n
        days.append(Day(_as_date(value), n, total))
    return days


@dataclass(frozen=True)
class Wave:
    """One day's reminders and how many organisations submitted from that day until the next wave."""

    day: date
    reminders: int
    submitted_after: int


def reminder_waves(round_id: int, days: list[Day]) -> list[Wave]:
    """Reminders grouped by the day they were written, with the submissions that followed each (one query)."""
    day = func.date(OutboxMessage.created_at)
    query = (
        select(day, func.count())
        .where(OutboxMessage.round_id == round_id, OutboxMessage.kind == MailKind.REMINDER)
        .group_by(day)
        .order_by(day)
    )
    found = [(_as_date(value), n) for value, n in db.session.execute(query)]
    waves = []
    for i, (start, n) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else date.max
        waves.append(Wave(start, n, sum(d.count for d in days if start <= d.day < end)))
    return waves


@dataclass(frozen=True)
class Row:
    """One organisation in the table."""

    response_id: int
    organisation: str
    state: str
    last_activity: datetime | None
    who: str | None
    contact: str | None
    mail_failed: bool


@dataclass(frozen=True)
class Table:
    """A page of the organisations table and how many rows match."""

    rows: list[Row]
    total: int


def organisations(
    round_id: int,
    *,
    state: str | None,
    search: str,
    sort: str,
    descending: bool,
    page: int,
    summary: Summary | None = None,
) -> Table:
    """One page of the round's organisations, filtered by state, searched by organisation name or contact
    e-mail, sorted by name, state or last activity. One query: the page is chosen first, over the columns its
    filter and order need (a round's every state is worked out only to filter or sort by it); its rows' state,
    last activity, e-mail problems, who was last active and first contact are looked up for them alone. The total
    is the dashboard's count of that state (`summary`) when there is no search, else a window count."""
    mail = _mail_problems(round_id)
    state_col = _state()
    activity = func.coalesce(Response.last_activity_at, Response.submitted_at, _opened())
    counted = search or summary is None
    chosen = (
        select(
            Response.id.label("response_id"),
            Organisation.id.label("organisation_id"),
            Organisation.name.label("name"),
            *([func.count().over().label("total")] if counted else []),
        )
        .join(Organisation, Response.organisation_id == Organisation.id)
        .where(Response.round_id == round_id)
    )
    if state == "mail_failed":
        chosen = chosen.where(select(mail.c.response_id).where(mail.c.response_id == Response.id).exists())
    elif state in STATES:
        chosen = chosen.where(state_col == state)
    if search:
        pattern = f"%{search.lower()}%"
        emails = select(Contact.id).where(
            Contact.organisation_id == Organisation.id, func.lower(Contact.email).like(pattern)
        )
        chosen = chosen.where(or_(func.lower(Organisation.name).like(pattern), emails.exists()))
    key = {"name": func.lower(Organisation.name), "state": state_col, "activity": activity}[sort]
    order = [(key.desc() if descending else key.asc()).nulls_last(), func.lower(Organisation.name), Response.id]
    page_rows = chosen.order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE).subquery("page")
    first_contact = (
        select(Contact.email)
        .where(Contact.organisation_id == page_rows.c.organisation_id, Contact.archived_at.is_(None))
        .order_by(Contact.id)
        .limit(1)
        .scalar_subquery()
    )
    last_saver = (
        select(Contact.name)
        .join(SectionState, SectionState.updated_by_id == Contact.id)
        .where(SectionState.response_id == page_rows.c.response_id)
        .order_by(SectionState.updated_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    submitter = select(Contact.name).where(Contact.id == Response.submitted_by_id).scalar_subquery()
    failed = (
        select(func.count())
        .where(
            OutboxMessage.round_id == round_id,
            OutboxMessage.response_id == Response.id,
            OutboxMessage.status.in_(PROBLEMS),
        )
        .scalar_subquery()
    )
    final_order = {"name": func.lower(page_rows.c.name), "state": state_col, "activity": activity}
    query = (
        select(
            page_rows.c.response_id,
            page_rows.c.name,
            state_col,
            activity,
            func.coalesce(submitter, last_saver),
            first_contact,
            failed,
            page_rows.c.total if counted else literal(0),
        )
        .select_from(page_rows)
        .join(Response, Response.id == page_rows.c.response_id)
        .order_by(
            (final_order[sort].desc() if descending else final_order[sort].asc()).nulls_last(),
            func.lower(page_rows.c.name),
            page_rows.c.response_id,
        )
    )
    with custom_plans():
        rows = db.session.execute(query).all()
    if counted:
        total = rows[0][-1] if rows else 0
    else:
        assert summary is not None
        total = summary.mail_failed if state == "mail_failed" else summary.by_state.get(state or "", summary.total)
    return Table([Row(*row[:6], bool(row[6])) for row in rows], total)


def days_to_deadline(rnd: Round, today: date | None = None) -> int:
    """Days from today to the deadline (negative once it has passed)."""
    return (rnd.deadline - (today or date.today())).days


@dataclass(frozen=True)
class Chart:
    """The cumulative submissions chart, laid out for SVG: one bar per day from the opening to today, and the
    deadline as a line."""

    width: int
    height: int
    first: date
    last: date
    bars: list[dict[str, Any]]
    ticks: list[dict[str, Any]]
    deadline_x: float


def chart(rnd: Round, days: list[Day], expected: int, today: date | None = None) -> Chart:
    """Bars of the running total of submissions, a day each up to today, on an axis from the round's opening to
    the deadline (or today, when later), scaled to the organisations expected."""
    today = today or date.today()
    start = min([rnd.opens_on, *(d.day for d in days)])
    end = max(rnd.deadline, min(today, rnd.deadline + timedelta(days=60)), *(d.day for d in days))
    span = (end - start).days + 1
    width, height, left, bottom = 640, 220, 40, 30
    plot = height - bottom - 10
    step = (width - left - 10) / span
    top = max(expected, 1)
    totals = {d.day: d.total for d in days}
    bars, running = [], 0
    for i in range(min(span, (today - start).days + 1)):
        day = start + timedelta(days=i)
        running = totals.get(day, running)
        h = plot * running / top
        x, y, w = round(left + i * step, 1), round(height - bottom - h, 1), max(round(step - 1, 1), 1)
        bars.append({"x": x, "y": y, "w": w, "h": round(h, 1), "day": day, "total": running})
    ticks = [{"y": round(height - bottom - plot * f, 1), "label": round(top * f)} for f in (0, 0.5, 1)]
    deadline_x = round(left + ((rnd.deadline - start).days + 0.5) * step, 1)
    return Chart(width, height, start, end, bars, ticks, deadline_x)
