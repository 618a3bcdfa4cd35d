"""`services/rounds.py`: a round with one response per organisation expected to report."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from survey.models import Response, Round, utcnow
from survey.services.rounds import create_round


def test_a_round_has_a_response_with_a_reference_per_expected_organisation(factory, db):
    first, second, archived = factory.organisation(), factory.organisation(), factory.organisation()
    archived.archived_at = utcnow()
    previous = factory.round(1, closed=True)

    rnd = create_round(
        factory.pledge,
        2,
        "Round 2",
        date(2026, 10, 1),
        date(2026, 12, 18),
        questionnaire=factory.questionnaire,
        previous=previous,
    )

    assert (rnd.number, rnd.name, rnd.opens_on, rnd.deadline) == (2, "Round 2", date(2026, 10, 1), date(2026, 12, 18))
    assert rnd.previous_round_id == previous.id and rnd.questionnaire_version_id == factory.questionnaire.id
    assert rnd.closed_at is None
    responses = db.session.scalars(select(Response).where(Response.round_id == rnd.id).order_by(Response.id)).all()
    assert [r.organisation_id for r in responses] == [first.id, second.id]
    assert all(r.status == "not_started" for r in responses)
    assert all(r.reference.startswith("PLG-") for r in responses)
    assert len({r.reference for r in responses}) == 2


def test_only_the_organisations_given_and_nothing_committed(factory, db):
    orgs = [factory.organisation() for _ in range(3)]
    db.session.commit()

    rnd = create_round(
        factory.pledge,
        1,
        "Round 1",
        date(2026, 3, 1),
        date(2026, 4, 30),
        questionnaire=factory.questionnaire,
        organisations=orgs[1:],
    )

    assert rnd.id is not None and rnd.previous_round_id is None
    organisation_ids = db.session.scalars(select(Response.organisation_id).where(Response.round_id == rnd.id)).all()
    assert sorted(organisation_ids) == [orgs[1].id, orgs[2].id]
    db.session.rollback()  # the service flushed; the caller owns the transaction
    assert db.session.scalar(select(func.count()).select_from(Round)) == 0
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
