"""Which organisations' reports may be published: the submitted ones whose publication answer is yes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, cast, select

from survey.extensions import db
from survey.models import Answer, Organisation, Response, Round
from survey.models.states import ResponseStatus

PUBLISH_KEY = "publish"  # the questionnaire's publication question (survey/questionnaires/*.yaml)
YES = '"yes"'  # the answer as JSON text: the same comparison on SQLite and PostgreSQL


def _consented() -> object:
    """A SELECT of (response, organisation, round) for submitted reports whose organisation said yes to publication."""
    return (
        select(Response.id, Organisation.name, Round.name, Round.number)
        .join(Organisation, Organisation.id == Response.organisation_id)
        .join(Round, Round.id == Response.round_id)
        .join(Answer, (Answer.response_id == Response.id) & (Answer.field_key == PUBLISH_KEY))
        .where(Response.status == ResponseStatus.SUBMITTED, cast(Answer.value, Text) == YES)
    )


@dataclass(frozen=True)
class PublishedReport:
    """A report readers may open."""

    response_id: int
    organisation: str
    round_name: str
    round_number: int


def consented_reports() -> list[PublishedReport]:
    """Every report whose organisation consented to publication, newest round first, by organisation."""
    rows = db.session.execute(_consented().order_by(Round.number.desc(), Organisation.name))  # type: ignore[attr-defined]
    return [PublishedReport(*row) for row in rows]


def may_publish(response_id: int) -> bool:
    """Whether this report is submitted and its organisation consented to publication."""
    return db.session.execute(_consented().where(Response.id == response_id)).first() is not None  # type: ignore[attr-defined]
