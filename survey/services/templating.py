"""Jinja set-up: our templates first, then the NHS.UK frontend macros from nhsuk-frontend-jinja."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import nhsuk_frontend_jinja
from flask import Flask
from jinja2 import ChainableUndefined, ChoiceLoader, PackageLoader

from survey import rates
from survey.models import ORGANISATION_KINDS

UK_TIME = ZoneInfo("Europe/London")

STATUS_LABELS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "completed": "Completed",
    "submitted": "Submitted",
    "reopened": "Reopened",
}


def format_date(value: date | datetime | None) -> str:
    """A date as people in the UK write it: 5 August 2026 (a stored time is first put in UK time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = uk_time(value)
    return f"{value.day} {value:%B %Y}"


def uk_time(value: datetime) -> datetime:
    """A stored time (UTC; naive means UTC) as UK clock time, GMT or BST."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UK_TIME)


def format_time(value: datetime | None) -> str:
    """A time of day in the UK: 2:05pm."""
    if value is None:
        return ""
    value = uk_time(value)
    hour = value.hour % 12 or 12
    return f"{hour}:{value:%M}{'am' if value.hour < 12 else 'pm'}"


def format_datetime(value: datetime | None) -> str:
    """A time and date in UK time, the one format every page uses: 2:05pm on 5 August 2026."""
    if value is None:
        return ""
    return f"{format_time(value)} on {format_date(value)}"


def choice_item(choice: tuple[str, str], selected: Any) -> tuple[str, str, bool]:
    """A (value, label) choice as (value, label, checked) for the radios and checkboxes components."""
    value, label = choice
    checked = value in selected if isinstance(selected, list | tuple | set) else value == selected
    return value, label, checked


def init_app(app: Flask) -> None:
    """Chain the loaders and register the filters every template uses."""
    assert app.jinja_loader is not None
    app.jinja_loader = ChoiceLoader([app.jinja_loader, PackageLoader(nhsuk_frontend_jinja.__name__, "templates")])
    # The NHS.UK macros read optional nested parameters (params.navigation.colour): absent must mean empty.
    app.jinja_env.undefined = ChainableUndefined
    # Flask escapes only templates named .html; the NHS.UK macros are .jinja and print their text parameters as
    # given, so a name or answer passed to them would become markup. Every template escapes: HTML we mean to
    # pass is Markup (a macro's output, or `| safe` on content that is already escaped).
    app.jinja_env.autoescape = True
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["time"] = format_time
    app.jinja_env.filters["choice_item"] = choice_item
    app.jinja_env.globals["STATUS_LABELS"] = STATUS_LABELS
    app.jinja_env.globals["ORGANISATION_KINDS"] = ORGANISATION_KINDS
    app.jinja_env.globals["rate_ratios"] = rates.rate_ratios
    app.jinja_env.globals["SMALL_COUNT_RULE"] = rates.SMALL_COUNT_RULE
    app.jinja_env.globals["ZERO_COUNT_RULE"] = rates.ZERO_COUNT_RULE
