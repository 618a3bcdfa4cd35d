"""An organisation's own documents as data: its submitted report (every question with its answer, laid out like
the questionnaire) and the blank questionnaire of a round. Two queries for a report; one for a blank."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Commitment, Organisation, Pledge, QuestionnaireVersion, Response, Round
from survey.models.states import ResponseStatus
from survey.questionnaire import Question, Questionnaire, expand

# Personal data left out of a report shown to the public: the organisation is named, the person is not.
PERSONAL = frozenset({"respondent_name", "respondent_email"})


@dataclass(frozen=True)
class Item:
    """One question and its answer as text (a number table as rows of cells)."""

    label: str
    hint: str
    kind: str  # "text", "choices" (the options, for a blank questionnaire), "table"
    text: str
    options: tuple[str, ...] = ()
    table: tuple[tuple[str, ...], ...] = ()
    limit: str = ""


@dataclass(frozen=True)
class Part:
    """One section of the questionnaire."""

    title: str
    intro: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Document:
    """A report or a blank questionnaire, ready to lay out."""

    pledge: str
    round_name: str
    title: str
    organisation: str
    reference: str
    submitted: str  # "Submitted 4 December 2026 by …", or ""
    blank: bool
    parts: tuple[Part, ...]


def _choice_text(q: Question, value: Any) -> str:
    if q.type == "yes_no":
        return {"yes": "Yes", "no": "No"}.get(value, str(value))
    if q.type == "multiple_choice":
        return "\n".join(f"• {q.choice_label(v)}" for v in value or [])
    return q.choice_label(value)


def item(q: Question, value: Any, *, blank: bool) -> Item:
    """A question with its answer (or, blank, with what the form offers)."""
    limit = f"Up to {q.max_words} words" if q.max_words else ""
    if q.type == "number_table":
        head = ("Group", *[label for _, label in q.columns])
        rows = tuple(
            (label, *["" if blank or not value else _count((value.get(row) or {}).get(col)) for col, _ in q.columns])
            for row, label in q.rows
        )
        return Item(q.label, q.hint, "table", "", table=(head, *rows))
    if blank:
        options = tuple(label for _, label in q.choices) or (("Yes", "No") if q.type == "yes_no" else ())
        return Item(q.label, q.hint, "choices" if options else "text", "", options=options, limit=limit)
    if value is None or value == "" or value == []:
        return Item(q.label, "", "text", "Not answered")
    if q.type in ("single_choice", "scale", "yes_no", "multiple_choice"):
        return Item(q.label, "", "text", _choice_text(q, value))
    return Item(q.label, "", "text", str(value))


def _count(value: Any) -> str:
    return "–" if value is None else f"{value:,}"


def _parts(questionnaire: Questionnaire, values: dict[str, Any], *, blank: bool, public: bool) -> tuple[Part, ...]:
    return tuple(
        Part(
            s.title,
            s.intro,
            tuple(
                item(q, values.get(q.field_key), blank=blank) for q in s.questions if not (public and q.key in PERSONAL)
            ),
        )
        for s in questionnaire.sections
    )


def _titles(pledge_id: int) -> list[tuple[int, str]]:
    return list(
        db.session.execute(
            select(Commitment.number, Commitment.title)
            .where(Commitment.pledge_id == pledge_id)
            .order_by(Commitment.number)
        )
    )


def report(response_id: int, *, public: bool = False) -> Document | None:
    """A submitted report as a document (None when there is no such submitted report); `public` leaves out the
    name and e-mail of the person who responded."""
    row = db.session.execute(
        select(Response, Organisation.name, Round.name, Round.pledge_id, Pledge.name, QuestionnaireVersion.definition)
        .join(Organisation, Organisation.id == Response.organisation_id)
        .join(Round, Round.id == Response.round_id)
        .join(Pledge, Pledge.id == Round.pledge_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Round.questionnaire_version_id)
        .where(Response.id == response_id, Response.status == ResponseStatus.SUBMITTED)
    ).first()
    if row is None:
        return None
    response, org_name, round_name, pledge_id, pledge_name, definition = row
    values = dict(
        db.session.execute(select(Answer.field_key, Answer.value).where(Answer.response_id == response_id)).all()
    )
    first = "why_pledge" in values or "changes_since_last" not in values
    questionnaire = expand(definition, _titles(pledge_id), first_report=first)
    values.setdefault("organisation_name", org_name)
    when = response.submitted_at.strftime("%-d %B %Y") if isinstance(response.submitted_at, datetime) else ""
    by = f" by {response.declaration_name}" if response.declaration_name and not public else ""
    return Document(
        pledge_name,
        round_name,
        questionnaire.title,
        org_name,
        response.reference,
        f"Submitted {when}{by}",
        False,
        _parts(questionnaire, values, blank=False, public=public),
    )


def blank(round_id: int, *, first_report: bool) -> Document | None:
    """The round's questions with room to draft answers (None when there is no such round)."""
    row = db.session.execute(
        select(Round.name, Round.pledge_id, Pledge.name, QuestionnaireVersion.definition)
        .join(Pledge, Pledge.id == Round.pledge_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Round.questionnaire_version_id)
        .where(Round.id == round_id)
    ).first()
    if row is None:
        return None
    round_name, pledge_id, pledge_name, definition = row
    questionnaire = expand(definition, _titles(pledge_id), first_report=first_report)
    return Document(
        pledge_name,
        round_name,
        questionnaire.title,
        "",
        "",
        "",
        True,
        _parts(questionnaire, {}, blank=True, public=False),
    )
