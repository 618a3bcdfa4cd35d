"""Reporting rounds: a round of a pledge and the responses of the organisations expected to report in it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from survey.extensions import db
from survey.models import Organisation, Pledge, QuestionnaireVersion, Response, Round
from survey.services.responses import new_reference


def expected_organisations(pledge: Pledge) -> list[Organisation]:
    """The pledge's organisations that are expected to report (not archived), oldest first."""
    query = select(Organisation).where(Organisation.pledge_id == pledge.id, Organisation.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(Organisation.id)))


def create_round(
    pledge: Pledge,
    number: int,
    name: str,
    opens_on: date,
    deadline: date,
    *,
    questionnaire: QuestionnaireVersion,
    previous: Round | None = None,
    organisations: Sequence[Organisation] | None = None,
    contact_name: str = "",
    contact_email: str = "",
    privacy_notice: str = "",
) -> Round:
    """Create a round and one not-started response, with its reference, per expected organisation; flushes.

    The contact and privacy notice are shown to respondents; empty, the pages use the service's defaults."""
    rnd = Round(
        pledge=pledge,
        number=number,
        name=name,
        opens_on=opens_on,
        deadline=deadline,
        questionnaire=questionnaire,
        previous_round=previous,
        contact_name=contact_name,
        contact_email=contact_email,
        privacy_notice=privacy_notice,
    )
    if organisations is None:
        organisations = expected_organisations(pledge)
    db.session.add(rnd)
    db.session.add_all(Response(round=rnd, organisation=org, reference=new_reference()) for org in organisations)
    db.session.flush()
    return rnd


def all_rounds() -> list[Round]:
    """Every round, newest first within each pledge."""
    return list(db.session.scalars(select(Round).order_by(Round.pledge_id, Round.number.desc())))


def responses_of(round_id: int) -> list[tuple[Response, Organisation]]:
    """A round's responses with their organisations, by organisation name."""
    query = (
        select(Response, Organisation)
        .join(Organisation, Response.organisation_id == Organisation.id)
        .where(Response.round_id == round_id)
        .order_by(Organisation.name)
    )
    return [(response, organisation) for response, organisation in db.session.execute(query)]
