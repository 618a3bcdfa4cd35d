"""The pledge itself: its commitments and the questionnaire versions it reports with."""

from __future__ import annotations

from sqlalchemy import select

from survey.extensions import db
from survey.models import Commitment, Pledge, QuestionnaireVersion
from survey.questionnaire import load_definition

SYNERGI_COMMITMENTS = (
    "Initiate fundamental service level changes to reduce ethnic inequalities in access, experience and outcomes.",
    "Measure, monitor and report the nature and extent of ethnic inequalities and progress made.",
    "Work in partnership with local ethnic minority communities, service users and relevant community agencies.",
    "Provide national leadership on this critical issue.",
    "Ensure inclusive and sustainable change in our localities and communities.",
    "Support timely and progressive research and policy development.",
    "Contribute to a biannual progress update as part of this Statement of Intent.",
)


def ensure_pledge(
    slug: str = "ethnic-inequalities-mental-health",
    name: str = "Pledge to reduce ethnic inequalities in mental health systems",
    commitments: tuple[str, ...] = SYNERGI_COMMITMENTS,
) -> Pledge:
    """Return the pledge with this slug, creating it and its commitments if missing."""
    pledge = db.session.scalar(select(Pledge).where(Pledge.slug == slug))
    if pledge is None:
        pledge = Pledge(slug=slug, name=name)
        pledge.commitments = [Commitment(number=i, title=t) for i, t in enumerate(commitments, start=1)]
        db.session.add(pledge)
        db.session.flush()
    return pledge


def ensure_questionnaire(pledge: Pledge, name: str = "pledge-progress-v1") -> QuestionnaireVersion:
    """Return the stored questionnaire version of a shipped definition, storing it on first use."""
    definition = load_definition(name)
    found = db.session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.pledge_id == pledge.id,
            QuestionnaireVersion.key == definition["key"],
            QuestionnaireVersion.version == definition["version"],
        )
    )
    if found is None:
        found = QuestionnaireVersion(
            pledge_id=pledge.id,
            key=definition["key"],
            version=definition["version"],
            title=definition["title"],
            definition=definition,
        )
        db.session.add(found)
        db.session.flush()
    return found


def commitment_titles(pledge_id: int) -> list[tuple[int, str]]:
    """The pledge's commitments as (number, title), in order."""
    rows = db.session.execute(
        select(Commitment.number, Commitment.title).where(Commitment.pledge_id == pledge_id).order_by(Commitment.number)
    )
    return [(n, t) for n, t in rows]
