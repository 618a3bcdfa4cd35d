"""Coded answers for the review tests: submitted answers with machine codes whose evidence is known."""

from __future__ import annotations

from survey.extensions import db
from survey.models import Answer, Code
from survey.services import codebooks

# Each answer's text and its machine codes: (theme key, level, score, evidence passages).
CODED = (
    (
        "We co-produced our crisis pathway with carers and faith groups.",
        [
            ("community_partnership", "proposed", 0.91, ["co-produced our crisis pathway", "faith groups"]),
            ("carers_families", "possible", 0.42, ["crisis pathway with carers"]),
        ],
    ),
    ("Our board approved an anti-racism strategy.", [("leadership_governance", "proposed", 0.8, ["Our board"])]),
    ("We trained staff in cultural competence.", [("workforce", "proposed", 0.77, ["trained staff"])]),
)


def spans_of(text: str, passages: list[str]) -> list[list[int]]:
    """The [start, end] of each passage in the text."""
    return [[text.index(p), text.index(p) + len(p)] for p in passages]


def coded_answers(submitted: object, coded: tuple = CODED) -> list[Answer]:
    """One submitted response whose answers carry these rule codes (committed), in answer order."""
    response = submitted.response(tuple(text for text, _ in coded))  # type: ignore[attr-defined]
    version = codebooks.ensure_starting_codebook(response.round.pledge)
    themes = {t.key: t.id for t in version.themes}
    answers = sorted(response.answers, key=lambda a: a.id)
    for answer, (text, found) in zip(answers, coded, strict=True):
        answer.tagging = "tagged"
        for key, level, score, passages in found:
            db.session.add(
                Code(
                    answer_id=answer.id,
                    theme_id=themes[key],
                    theme_key=key,
                    codebook_version_id=version.id,
                    source="rule",
                    spans=spans_of(text, passages),
                    confidence=score,
                    level=level,
                )
            )
    db.session.commit()
    return answers
