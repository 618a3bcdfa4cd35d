"""The demo's review, simulated: a reviewer marks the closed round's answers reviewed, deciding each rule code and
adding the themes the rules missed, by the cues in `review.yaml`; then the suggester is trained on those answers.

Only answers already tagged are reviewed (with Redis, tagging runs in the worker: running the demo again once it
has finished reviews the rest). Answers the reviewer has reviewed are left alone, so running it twice adds nothing.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, AnswerReview, Code, CodeDecision, Pledge, Response, Round, User
from survey.models.states import CodeSource, CodeStatus, Decision, TaggingState
from survey.services import codebooks

REVIEW = Path(__file__).parent / "review.yaml"


@cache
def _settings() -> dict[str, Any]:
    """The simulated reviewer's settings, with each theme's cues compiled into one pattern."""
    data = yaml.safe_load(REVIEW.read_text(encoding="utf-8"))
    cues = {key: re.compile("|".join(rf"(?<!\w){re.escape(c)}" for c in found)) for key, found in data["cues"].items()}
    return {**data, "cues": cues}


def reviewer_themes(text: str) -> dict[str, list[list[int]]]:
    """The themes the simulated reviewer reads in a text, each with the cues' spans."""
    lowered = text.lower()
    found = {key: [[m.start(), m.end()] for m in cue.finditer(lowered)] for key, cue in _settings()["cues"].items()}
    return {key: spans for key, spans in found.items() if spans}


def _to_review(pledge_id: int, reviewer_id: int) -> list[Answer]:
    """Tagged answers of the pledge's reviewed rounds that the reviewer has not reviewed yet."""
    done = select(AnswerReview.answer_id).where(AnswerReview.reviewer_id == reviewer_id)
    return list(
        db.session.scalars(
            select(Answer)
            .join(Response, Response.id == Answer.response_id)
            .join(Round, Round.id == Response.round_id)
            .where(
                Round.pledge_id == pledge_id,
                Round.number.in_(_settings()["rounds"]),
                Answer.tagging == TaggingState.TAGGED,
                Answer.id.not_in(done),
            )
            .order_by(Answer.id)
        )
    )


def _review(answer: Answer, reviewer_id: int, theme_ids: dict[str, int], version_id: int) -> None:
    """Decide the answer's machine codes, add the themes they missed and mark the answer reviewed."""
    read = {key: spans for key, spans in reviewer_themes(answer.text or "").items() if key in theme_ids}
    codes = db.session.scalars(select(Code).where(Code.answer_id == answer.id)).all()
    for code in codes:
        decision = Decision.ACCEPTED if code.theme_key in read else Decision.REJECTED
        code.status = CodeStatus(decision.value)
        db.session.add(CodeDecision(code_id=code.id, reviewer_id=reviewer_id, decision=decision))
    for key in sorted(set(read) - {code.theme_key for code in codes}):
        added = Code(
            answer_id=answer.id,
            theme_id=theme_ids[key],
            theme_key=key,
            codebook_version_id=version_id,
            source=CodeSource.REVIEWER,
            status=CodeStatus.ACCEPTED,
            spans=read[key],
            answer_revision=answer.revision,
        )
        db.session.add(added)
        db.session.flush()
        db.session.add(CodeDecision(code_id=added.id, reviewer_id=reviewer_id, decision=Decision.ACCEPTED))
    db.session.add(AnswerReview(answer_id=answer.id, reviewer_id=reviewer_id))


def seed_reviews(pledge: Pledge) -> int:
    """Review the closed round's tagged answers as the demo's reviewer; how many were reviewed now; flushes."""
    reviewer_id = db.session.scalar(select(User.id).where(User.email == _settings()["reviewer"]))
    if reviewer_id is None:
        return 0
    version_id = codebooks.current_version_id(pledge.id)
    theme_ids = codebooks.theme_ids(version_id)
    answers = _to_review(pledge.id, reviewer_id)
    for answer in answers:
        _review(answer, reviewer_id, theme_ids, version_id)
    db.session.flush()
    return len(answers)


def train_suggester(pledge: Pledge) -> None:
    """Train the suggester once there are enough reviewed answers and no model yet (inline without REDIS_URL,
    otherwise queued for the worker)."""
    from survey import jobs
    from survey.services import suggester

    if suggester.latest_model(pledge.id) is None and suggester.readiness(pledge.id).ready:
        jobs.launch(suggester.TRAIN, "pledge", pledge.id)
