"""The pledge itself: its commitments and the questionnaire versions it reports with."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, cast, func, select

from survey.extensions import db
from survey.models import Commitment, Pledge, QuestionnaireVersion
from survey.questionnaire import load_definition

# Separators of the packed titles: ASCII unit and record separators, which no title contains (checked on unpacking).
_UNIT, _RECORD = "\x1f", "\x1e"

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


def packed_commitment_titles(pledge_id: ColumnElement[int]) -> ColumnElement[str]:
    """A scalar subquery packing a pledge's commitments into one string, to load them with another query."""
    number_and_title = cast(Commitment.number, String) + _UNIT + Commitment.title
    # The count is packed too, so unpacking can tell when a title held a separator.
    titles = func.coalesce(func.aggregate_strings(number_and_title, _RECORD), "")
    return (
        select(cast(func.count(), String) + _RECORD + titles).where(Commitment.pledge_id == pledge_id).scalar_subquery()
    )


def unpack_commitment_titles(packed: str | None) -> tuple[tuple[int, str], ...] | None:
    """The (number, title) pairs in order from `packed_commitment_titles`; None if they cannot be read back."""
    if packed is None:
        return None
    count, _, rest = packed.partition(_RECORD)
    pairs = [item.split(_UNIT) for item in rest.split(_RECORD)] if rest else []
    readable = all(len(pair) == 2 and pair[0].isdigit() for pair in pairs)
    if not readable or not count.isdigit() or len(pairs) != int(count):
        return None
    return tuple(sorted((int(number), title) for number, title in pairs))
