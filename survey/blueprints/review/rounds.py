"""Look-ups the review workspace's round pages share: the round, its themes and its question labels."""

from __future__ import annotations

from functools import lru_cache

from flask import url_for
from werkzeug.routing import BuildError

from survey.extensions import db
from survey.models import Round
from survey.questionnaire import expand
from survey.services import browse_counts
from survey.services.pledges import commitment_titles
from survey.services.qda import ThemeRef, round_themes


def round_or_404(round_id: int) -> Round:
    """The round, or 404."""
    return db.get_or_404(Round, round_id)


def question_labels(rnd: Round) -> dict[str, str]:
    """Each free-text question key of the round's questionnaire and its label (commitment questions by key)."""
    return dict(_labels(rnd.questionnaire_version_id, tuple(commitment_titles(rnd.pledge_id))))


@lru_cache(maxsize=32)
def _labels(version_id: int, commitments: tuple[tuple[int, str], ...]) -> tuple[tuple[str, str], ...]:
    """The labels, cached per process (a questionnaire version never changes)."""
    from survey.models import QuestionnaireVersion

    definition = db.session.get(QuestionnaireVersion, version_id).definition
    found: dict[str, str] = {}
    for first in (True, False):
        for section in expand(definition, list(commitments), first_report=first).sections:
            for q in section.questions:
                if q.type == "long_text":
                    found.setdefault(q.key, q.label)
    return tuple(found.items())


def themes_of(rnd: Round) -> list[ThemeRef]:
    """The round's themes (current codebook first), each once; cached like the list's counts (a code or a
    codebook version written makes them read again)."""
    return browse_counts.counts(("themes", rnd.id), lambda: round_themes(rnd))


def answer_url(answer_id: int) -> str:
    """The review page of one answer (the answer view is another module's; a plain path until it exists)."""
    try:
        return url_for("review.answer", answer_id=answer_id)
    except BuildError:
        return f"/review/answers/{answer_id}"
