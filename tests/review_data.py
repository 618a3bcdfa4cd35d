"""A round of submitted, coded answers in bulk (core INSERTs): the review workspace's tests and its benchmark.

Deterministic for a seed: organisations of every type, free-text answers per commitment built from a few sentences
(each sentence carries one theme, whose code's span is that sentence), some answers reviewed by one reviewer, some
by two who agree, some by two who disagree on one code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, select

from survey.extensions import db
from survey.models import (
    ORGANISATION_KINDS,
    Answer,
    AnswerReview,
    Code,
    CodeDecision,
    Organisation,
    Response,
    Round,
    Theme,
    utcnow,
)
from survey.services import codebooks, pledges, staff

# (theme key, sentence): each sentence is evidence for its theme.
SENTENCES = (
    ("community_partnership", "We co-produced the crisis pathway with faith groups and carers."),
    ("data_monitoring", "The board now reviews detention rates by ethnicity on a dashboard."),
    ("workforce", "Every ward manager completed training in cultural competence."),
    ("barriers_capacity", "Staff shortages and limited capacity slowed the work."),
    ("vcse_investment", "We funded three Black-led VCSE organisations with grants."),
    ("anti_racism", "Our trust adopted an anti-racism strategy this year."),
)
QUESTIONS = ("actions", "impact", "challenges")
PASSWORD = "a long password for the review workspace"


@dataclass(frozen=True)
class Seeded:
    """What was made: the round, the reviewers' ids and the numbers of rows."""

    round_id: int
    reviewers: tuple[int, int]
    organisations: int
    answers: int
    codes: int


def _theme_ids(pledge_id: int) -> dict[str, tuple[int, int]]:
    """Theme key → (theme id, codebook version id) of the pledge's current codebook."""
    version_id = codebooks.current_version_id(pledge_id)
    rows = db.session.execute(select(Theme.key, Theme.id).where(Theme.codebook_version_id == version_id)).all()
    return {key: (theme_id, version_id) for key, theme_id in rows}


def seed_round(organisations: int, *, commitments: int = 7, seed: int = 1, chunk: int = 5000) -> Seeded:
    """A round with `organisations` submitted reports, answers to `commitments` commitments (three free-text
    questions each), their codes, and reviews; committed."""
    rng = random.Random(seed)
    pledge = pledges.ensure_pledge()
    questionnaire = pledges.ensure_questionnaire(pledge)
    themes = _theme_ids(pledge.id)
    missing = {key for key, _ in SENTENCES} - set(themes)
    assert not missing, f"the starting codebook lacks {missing}"
    rnd = Round(
        pledge_id=pledge.id,
        number=seed,
        name=f"Round {seed}",
        opens_on=date.today() - timedelta(days=30),
        deadline=date.today() + timedelta(days=30),
        questionnaire_version_id=questionnaire.id,
    )
    db.session.add(rnd)
    reviewers = tuple(
        staff.create_user(f"reviewer{i}.{seed}@pledge.example", PASSWORD, role="reviewer", name=f"Reviewer {i}").id
        for i in (1, 2)
    )
    db.session.flush()
    kinds = list(ORGANISATION_KINDS)
    now = utcnow()
    org_ids = _insert_returning(
        Organisation,
        [
            {
                "pledge_id": pledge.id,
                "name": f"Organisation {seed}-{i:05d}",
                "kind": kinds[i % len(kinds)],
                "region": "London",
            }
            for i in range(organisations)
        ],
        chunk,
    )
    response_ids = _insert_returning(
        Response,
        [
            {
                "round_id": rnd.id,
                "organisation_id": org_id,
                "reference": f"R{seed}-{i:07d}",
                "status": "submitted",
                "submitted_at": now,
                "declaration_name": "Ada Obi",
            }
            for i, org_id in enumerate(org_ids)
        ],
        chunk,
    )
    answers, texts = [], []
    for response_id in response_ids:
        for c in range(1, commitments + 1):
            for q in QUESTIONS:
                picked = rng.sample(SENTENCES, rng.randint(1, 3))
                text = " ".join(s for _, s in picked)
                texts.append(picked)
                answers.append(
                    {
                        "response_id": response_id,
                        "round_id": rnd.id,
                        "field_key": f"c{c}.{q}",
                        "question_key": q,
                        "commitment_number": c,
                        "value": text,
                        "text": text,
                        "tagging": "tagged",
                        "updated_at": now,
                    }
                )
    answer_ids = _insert_returning(Answer, answers, chunk)
    codes = []
    for answer_id, picked in zip(answer_ids, texts, strict=True):
        offset = 0
        for key, sentence in picked:
            theme_id, version_id = themes[key]
            codes.append(
                {
                    "answer_id": answer_id,
                    "theme_id": theme_id,
                    "theme_key": key,
                    "codebook_version_id": version_id,
                    "source": "rule",
                    "status": "proposed",
                    "spans": [[offset, offset + len(sentence)]],
                    "confidence": 0.9,
                    "level": "proposed",
                    "note": "",
                    "created_at": now,
                }
            )
            offset += len(sentence) + 1
    code_ids = _insert_returning(Code, codes, chunk)
    _review(answer_ids, codes, code_ids, reviewers, chunk)
    db.session.commit()
    return Seeded(rnd.id, reviewers, organisations, len(answer_ids), len(code_ids))


def _review(
    answer_ids: list[int],
    codes: list[dict[str, object]],
    code_ids: list[int],
    reviewers: tuple[int, ...],
    chunk: int,
) -> None:
    """Every 5th answer reviewed by the first reviewer (accepting its codes); every 10th also by the second, who
    rejects the first code of every 20th."""
    by_answer: dict[int, list[int]] = {}
    for code, code_id in zip(codes, code_ids, strict=True):
        by_answer.setdefault(code["answer_id"], []).append(code_id)  # type: ignore[arg-type]
    now = utcnow()
    reviews, decisions = [], []
    for i, answer_id in enumerate(answer_ids):
        if i % 5:
            continue
        both = i % 10 == 0
        for who in reviewers[: 2 if both else 1]:
            reviews.append({"answer_id": answer_id, "reviewer_id": who, "at": now})
            for n, code_id in enumerate(by_answer.get(answer_id, [])):
                disagree = who == reviewers[1] and i % 20 == 0 and n == 0
                decisions.append(
                    {
                        "code_id": code_id,
                        "reviewer_id": who,
                        "decision": "rejected" if disagree else "accepted",
                        "note": "",
                        "at": now,
                    }
                )
    for rows, model in ((reviews, AnswerReview), (decisions, CodeDecision)):
        for start in range(0, len(rows), chunk):
            db.session.execute(insert(model), rows[start : start + chunk])


def _insert_returning(model: type, rows: list[dict[str, object]], chunk: int) -> list[int]:
    """Insert rows in chunks and return their ids in order."""
    ids: list[int] = []
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        ids.extend(db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), part))
    return ids
