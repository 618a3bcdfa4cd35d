"""The staff home: each round's free-text answers to review per commitment, reviewed by anyone and by me."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, case, exists, func, select

from survey.extensions import db
from survey.models import Answer, AnswerReview, Response, Round
from survey.models.states import ResponseStatus


@dataclass(frozen=True)
class Progress:
    """Free-text answers in one commitment (None: the questions outside the commitments) of one round."""

    commitment: int | None
    answers: int
    reviewed: int  # marked reviewed by at least one reviewer
    mine: int  # marked reviewed by this reviewer

    @property
    def to_review(self) -> int:
        """Answers nobody has marked reviewed yet."""
        return self.answers - self.reviewed


@dataclass(frozen=True)
class RoundProgress:
    """One round with its review progress per commitment and in total."""

    round: Round
    commitments: tuple[Progress, ...]

    @property
    def total(self) -> Progress:
        """The round's totals."""
        return Progress(
            None,
            sum(p.answers for p in self.commitments),
            sum(p.reviewed for p in self.commitments),
            sum(p.mine for p in self.commitments),
        )


def progress(user_id: int) -> list[RoundProgress]:
    """Every round, newest first, with its submitted free-text answers per commitment: how many, how many
    reviewed, how many by `user_id` (two statements whatever the number of rounds)."""
    anyone = exists().where(AnswerReview.answer_id == Answer.id)
    mine = exists().where(AnswerReview.answer_id == Answer.id, AnswerReview.reviewer_id == user_id)
    rows = db.session.execute(
        select(
            Response.round_id,
            Answer.commitment_number,
            func.count(),
            func.sum(case((anyone, 1), else_=0), type_=Integer),
            func.sum(case((mine, 1), else_=0), type_=Integer),
        )
        .join(Response, Response.id == Answer.response_id)
        .where(Response.status == ResponseStatus.SUBMITTED, Answer.text.is_not(None), Answer.text != "")
        .group_by(Response.round_id, Answer.commitment_number)
    ).all()
    per_round: dict[int, list[Progress]] = {}
    for round_id, commitment, answers, reviewed, by_me in rows:
        per_round.setdefault(round_id, []).append(Progress(commitment, answers, reviewed or 0, by_me or 0))
    rounds = db.session.scalars(select(Round).order_by(Round.opens_on.desc(), Round.id.desc())).all()
    return [
        RoundProgress(
            rnd, tuple(sorted(per_round.get(rnd.id, []), key=lambda p: (p.commitment is not None, p.commitment or 0)))
        )
        for rnd in rounds
    ]
