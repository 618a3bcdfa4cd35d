"""Emergent themes of a round: its submitted free text against the pledge's other rounds (`nlp.emergent`), with the
answers each phrase comes from. Pure Python over the lemma table: the web process computes them, without spaCy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, select

from nlp.emergent import Phrase, emergent_phrases
from survey.extensions import db
from survey.models import Answer, CodebookVersion, Organisation, Response, Round
from survey.models.states import TaggingState
from survey.services import codebooks


@dataclass(frozen=True)
class Source:
    """Where an example answer lives: its report and organisation, for the link."""

    response_id: int
    organisation: str


@dataclass(frozen=True)
class Emergent:
    """A round's emergent phrases, the answers they were drawn from and compared with, and the example answers'
    reports."""

    phrases: tuple[Phrase, ...]
    answers: int
    compared_with: int
    sources: dict[int, Source]


def _free_text(pledge_id: int) -> tuple:
    """The pledge's submitted free-text answers: (answer id, text, round id, response id, organisation name)."""
    return tuple(
        db.session.execute(
            select(Answer.id, Answer.text, Response.round_id, Response.id, Organisation.name)
            .join(Response, Response.id == Answer.response_id)
            .join(Round, Round.id == Response.round_id)
            .join(Organisation, Organisation.id == Response.organisation_id)
            .where(Round.pledge_id == pledge_id, Answer.tagging != TaggingState.NONE, Answer.text.is_not(None))
            .order_by(Answer.id)
        ).all()
    )


def _fingerprint(pledge_id: int) -> tuple:
    """Changes whenever an answer of the pledge is submitted, edited or removed: the cache key's second half."""
    return tuple(
        db.session.execute(
            select(
                func.count(Answer.id),
                func.max(Answer.id),
                func.max(Answer.updated_at),
                func.coalesce(func.sum(Answer.revision), 0),
                func.coalesce(func.sum(func.length(Answer.text)), 0),
            )
            .join(Response, Response.id == Answer.response_id)
            .join(Round, Round.id == Response.round_id)
            .where(Round.pledge_id == pledge_id, Answer.tagging != TaggingState.NONE)
        ).one()
    )


def round_emergent(round_id: int, *, top: int = 20) -> Emergent:
    """The round's emergent phrases against the pledge's other rounds (their whole corpus when it has no other)."""
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        raise LookupError(f"round {round_id} does not exist")
    version_id = codebooks.current_version_id(rnd.pledge_id)
    return _compute(round_id, rnd.pledge_id, version_id, _fingerprint(rnd.pledge_id), top)


@lru_cache(maxsize=8)
def _compute(round_id: int, pledge_id: int, version_id: int, fingerprint: tuple, top: int) -> Emergent:
    """The phrases, computed once per round, codebook version and state of the answers (a fraction of a second for
    a thousand answers, so a page view recomputes only after answers change)."""
    rows = _free_text(pledge_id)
    here = [row for row in rows if row[2] == round_id]
    others = [row[1] for row in rows if row[2] != round_id]
    themes = db.session.get(CodebookVersion, version_id).data["themes"]  # as data: no spaCy pattern check
    phrases = emergent_phrases([(row[0], row[1]) for row in here], others, themes, top=top)
    wanted = {example.answer_id for phrase in phrases for example in phrase.examples}
    sources = {row[0]: Source(row[3], row[4]) for row in here if row[0] in wanted}
    return Emergent(tuple(phrases), len(here), len(others), sources)
