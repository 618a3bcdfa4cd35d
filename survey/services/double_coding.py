"""Reviewer against reviewer on double-coded answers (answers two reviewers marked reviewed), per theme.

Each reviewer's own coding of an answer is the set of themes whose codes they accepted: their `code_decisions`
rows saying accepted. A code a reviewer adds counts as theirs through the accepted decision recorded with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Answer, AnswerReview, Code, CodeDecision, Response, User
from survey.models.states import Decision
from survey.services.agreement import Agreement, agreement


@dataclass(frozen=True)
class PairAgreement:
    """Two reviewers and their agreement over the answers both marked reviewed."""

    first: str
    second: str
    agreement: Agreement


def reviewer_pairs(round_id: int, theme_keys: Sequence[str]) -> list[PairAgreement]:
    """Kappa and the rest per theme for every pair of reviewers who both reviewed some of the round's answers."""
    double = (
        select(AnswerReview.answer_id)
        .join(Answer, Answer.id == AnswerReview.answer_id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.round_id == round_id)
        .group_by(AnswerReview.answer_id)
        .having(func.count() >= 2)
    ).subquery()
    reviews = db.session.execute(
        select(AnswerReview.answer_id, AnswerReview.reviewer_id).where(AnswerReview.answer_id.in_(select(double)))
    ).all()
    accepted: dict[tuple[int, int], set[str]] = {}
    for answer_id, reviewer_id, key in db.session.execute(
        select(Code.answer_id, CodeDecision.reviewer_id, Code.theme_key)
        .join(CodeDecision, CodeDecision.code_id == Code.id)
        .where(Code.answer_id.in_(select(double)), CodeDecision.decision == Decision.ACCEPTED)
    ):
        accepted.setdefault((answer_id, reviewer_id), set()).add(key)
    reviewers_of: dict[int, list[int]] = {}
    for answer_id, reviewer_id in reviews:
        reviewers_of.setdefault(answer_id, []).append(reviewer_id)
    pairs: dict[tuple[int, int], list[tuple[set[str], set[str]]]] = {}
    for answer_id, reviewers in reviewers_of.items():
        ordered = sorted(reviewers)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                pairs.setdefault((a, b), []).append(
                    (accepted.get((answer_id, a), set()), accepted.get((answer_id, b), set()))
                )
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_({r for p in pairs for r in p}))).all())
    return [
        PairAgreement(names.get(a, "?"), names.get(b, "?"), agreement(codings, theme_keys))
        for (a, b), codings in sorted(pairs.items())
    ]
