"""Double coding: the lead gives a sample of a round's answers to two reviewers, who decide their codes blind to each
other (`survey/services/review.py` keeps their decisions apart); once both have marked an answer reviewed, the lead
sees where they disagree, the agreement between them (`agreement.agreement`), and resolves each answer.

`reviewer_pairs` measures every pair of reviewers over any answers both marked reviewed (assigned or not): each
reviewer's coding of an answer is the set of themes whose codes they accepted (a code they added carries their
accepted decision)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, func, select

from survey.extensions import db
from survey.models import Answer, AnswerReview, Code, CodeDecision, Response, Theme, User, utcnow
from survey.models.review import DoubleCoding
from survey.models.states import CodeStatus, Decision, ResponseStatus, Role, TaggingState
from survey.services import audit
from survey.services.agreement import Agreement, agreement
from survey.services.review import ReviewError, compare_and_set, record_decision


def reviewers() -> list[User]:
    """Staff who can review, by name."""
    query = select(User).where(User.role.in_((Role.REVIEWER, Role.LEAD)), User.disabled_at.is_(None))
    return list(db.session.scalars(query.order_by(User.name)))


def assign(round_id: int, first_id: int, second_id: int, size: int, lead_id: int, *, seed: int | None = None) -> int:
    """Give a random sample of `size` of the round's unreviewed, not yet double-coded answers to two reviewers;
    returns how many were assigned; flushes. Raises ReviewError for two of the same reviewer or a bad size."""
    allowed = {u.id for u in reviewers()}
    if first_id not in allowed or second_id not in allowed:
        raise ReviewError("Choose two reviewers from the lists.")
    if first_id == second_id:
        raise ReviewError("Choose two different reviewers: double coding compares two people's decisions.")
    candidates = list(
        db.session.scalars(
            select(Answer.id)
            .join(Response, Response.id == Answer.response_id)
            .where(
                Response.round_id == round_id,
                Response.status == ResponseStatus.SUBMITTED,
                Answer.tagging != TaggingState.NONE,
                ~exists().where(AnswerReview.answer_id == Answer.id),
                ~exists().where(DoubleCoding.answer_id == Answer.id),
            )
            .order_by(Answer.id)
        )
    )
    if not 1 <= size <= len(candidates):
        raise ReviewError(f"Enter a sample size from 1 to {len(candidates)} (the answers nobody has reviewed yet).")
    chosen = sorted(random.Random(seed).sample(candidates, size))
    db.session.add_all(
        DoubleCoding(answer_id=a, first_reviewer_id=first_id, second_reviewer_id=second_id, assigned_by_id=lead_id)
        for a in chosen
    )
    audit.record(
        "double_coding.assigned",
        actor_type="staff",
        actor_id=lead_id,
        target_type="round",
        target_id=round_id,
        summary=f"{size} answers to reviewers {first_id} and {second_id}",
        answers=chosen,
    )
    db.session.flush()
    return size


@dataclass(frozen=True)
class Assignment:
    """One double-coded answer and how far its two reviewers have got."""

    coding: DoubleCoding
    done: tuple[bool, bool]

    @property
    def both_done(self) -> bool:
        """Whether both reviewers have marked the answer reviewed."""
        return all(self.done)


def assignments(round_id: int, reviewer_id: int | None = None) -> list[Assignment]:
    """The round's double-coded answers (only this reviewer's, when given), in answer order."""
    query = (
        select(DoubleCoding)
        .join(Answer, Answer.id == DoubleCoding.answer_id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.round_id == round_id)
        .order_by(DoubleCoding.answer_id)
    )
    if reviewer_id is not None:
        query = query.where(
            (DoubleCoding.first_reviewer_id == reviewer_id) | (DoubleCoding.second_reviewer_id == reviewer_id)
        )
    codings = list(db.session.scalars(query))
    done = {
        (answer_id, who)
        for answer_id, who in db.session.execute(
            select(AnswerReview.answer_id, AnswerReview.reviewer_id).where(
                AnswerReview.answer_id.in_([c.answer_id for c in codings])
            )
        )
    }
    return [
        Assignment(c, ((c.answer_id, c.first_reviewer_id) in done, (c.answer_id, c.second_reviewer_id) in done))
        for c in codings
    ]


def _accepted(coding: DoubleCoding) -> tuple[set[str], set[str]]:
    """The themes each of the two reviewers accepted on the answer."""
    rows = db.session.execute(
        select(Code.theme_key, CodeDecision.reviewer_id)
        .join(CodeDecision, CodeDecision.code_id == Code.id)
        .where(Code.answer_id == coding.answer_id, CodeDecision.decision == Decision.ACCEPTED)
    ).all()
    return (
        {key for key, who in rows if who == coding.first_reviewer_id},
        {key for key, who in rows if who == coding.second_reviewer_id},
    )


def between_reviewers(round_id: int) -> Agreement:
    """Agreement between the two reviewers over the answers both have finished (per theme: kappa and the rest)."""
    finished = [a.coding for a in assignments(round_id) if a.both_done]
    keys = sorted(
        set(db.session.scalars(select(Code.theme_key).where(Code.answer_id.in_([c.answer_id for c in finished]))))
    )
    return agreement((_accepted(c) for c in finished), keys)


@dataclass(frozen=True)
class Disagreement:
    """A code the two reviewers decided differently."""

    code: Code
    theme_name: str
    first: Decision | None
    second: Decision | None


def comparison(coding: DoubleCoding) -> tuple[list[Disagreement], list[tuple[Code, Decision]]]:
    """The answer's codes the two reviewers decided differently, and those they agree on (with the decision)."""
    rows = db.session.execute(
        select(Code, Theme.name).join(Theme, Theme.id == Code.theme_id).where(Code.answer_id == coding.answer_id)
    ).all()
    decisions = {
        (code_id, who): decision
        for code_id, who, decision in db.session.execute(
            select(CodeDecision.code_id, CodeDecision.reviewer_id, CodeDecision.decision).where(
                CodeDecision.code_id.in_([code.id for code, _ in rows])
            )
        )
    }
    differ, agree = [], []
    for code, name in rows:
        first = decisions.get((code.id, coding.first_reviewer_id))
        second = decisions.get((code.id, coding.second_reviewer_id))
        if first == second and first is not None:
            agree.append((code, Decision(first)))
        else:
            differ.append(Disagreement(code, name, first, second))
    return differ, agree


def resolve(coding: DoubleCoding, choices: dict[int, Decision], lead_id: int) -> None:
    """Settle a double-coded answer: the codes both agree on take their decision, the others the lead's; flushes.

    Raises ReviewError (nothing written) until both have finished, or when a disagreement has no choice."""
    if coding.resolved_at is not None:
        raise ReviewError("This answer's double coding is already resolved.")
    if not progress(coding).both_done:
        raise ReviewError("Both reviewers must mark this answer reviewed before you can compare their decisions.")
    differ, agree = comparison(coding)
    missing = [d.theme_name for d in differ if d.code.id not in choices]
    if missing:
        raise ReviewError(f"Choose accept or reject for every theme they disagree on: {', '.join(missing)}.")
    for code, decision in agree:
        compare_and_set(code, code.review_version, CodeStatus(decision))
    for item in differ:
        before = item.code.status
        compare_and_set(item.code, item.code.review_version, CodeStatus(choices[item.code.id]))
        record_decision(item.code, lead_id, before, choices[item.code.id], action="code.resolved")
    coding.resolved_at = utcnow()
    audit.record(
        "double_coding.resolved",
        actor_type="staff",
        actor_id=lead_id,
        target_type="answer",
        target_id=coding.answer_id,
        summary=f"{len(differ)} disagreements settled",
        choices={str(k): str(v) for k, v in choices.items()},
    )
    db.session.flush()


def progress(coding: DoubleCoding) -> Assignment:
    """A double coding with how far its two reviewers have got."""
    done = set(db.session.scalars(select(AnswerReview.reviewer_id).where(AnswerReview.answer_id == coding.answer_id)))
    return Assignment(coding, (coding.first_reviewer_id in done, coding.second_reviewer_id in done))


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
