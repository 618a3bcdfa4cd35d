"""Demo-like reviewed answers for the suggester's tests: the demo's prose for several organisations, tagged by the
rules (inline), and a closed round reviewed by the demo's simulated reviewer (`survey/demo/review.py`)."""

from __future__ import annotations

import random

from survey.demo import content, review
from survey.extensions import db
from survey.models import Answer, Response, Round, utcnow
from survey.services import tagging

# Per-commitment questions answered by every organisation: 3 questions × 3 commitments = 9 answers a report.
QUESTIONS = ("actions", "impact", "challenges")
COMMITMENTS = (1, 2, 3)


def submit(factory: object, rnd: Round, organisations: int, *, first: int = 0) -> list[Response]:
    """Submitted reports of demo organisations `first` … in the round, their free text pending tagging."""
    made = []
    for demo in content.ORGANISATIONS[first : first + organisations]:
        org = factory.organisation(demo.name)  # type: ignore[attr-defined]
        response = factory.response(rnd, org)  # type: ignore[attr-defined]
        rng = random.Random(f"{demo.name}/{rnd.number}")
        for commitment in COMMITMENTS:
            for question in QUESTIONS:
                text = content.answer_text(
                    rng, question=question, commitment=commitment, org=demo, round_number=rnd.number
                )
                db.session.add(
                    Answer(
                        response_id=response.id,
                        field_key=f"c{commitment}.{question}",
                        question_key=question,
                        commitment_number=commitment,
                        value=text,
                        text=text,
                        tagging="pending",
                    )
                )
        response.status = "submitted"
        response.submitted_at = utcnow()
        made.append(response)
    db.session.commit()
    return made


def reviewed_rounds(factory: object, *, reviewed: int, unreviewed: int) -> tuple[Round, Round]:
    """Round 1 with `reviewed` organisations' reports, tagged and reviewed; round 2 with `unreviewed` others'
    reports, tagged and not reviewed. The demo's reviewer (reviewer@pledge.example) must exist."""
    first = factory.round(1, closed=True)  # type: ignore[attr-defined]
    second = factory.round(2, previous=first)  # type: ignore[attr-defined]
    submit(factory, first, reviewed)
    submit(factory, second, unreviewed, first=reviewed)
    tagging.sweep()  # inline: tags every pending answer
    review.seed_reviews(factory.pledge)  # type: ignore[attr-defined]
    db.session.commit()
    return first, second
