"""Bulk decisions: accept or reject one theme's undecided codes over a filtered list, confirmed by a count and a
fingerprint of the codes previewed, so a list that changed in between is refused rather than half-applied."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select, update

from survey.extensions import db
from survey.models import Answer, Code, CodeDecision, Response, Round, Theme
from survey.models.review import DoubleCoding
from survey.models.states import CodeLevel, CodeSource, CodeStatus, Decision, ResponseStatus
from survey.services import audit, codebooks, review
from survey.services.review import ReviewError


@dataclass(frozen=True)
class BulkFilter:
    """Which codes a bulk decision covers: one theme's undecided codes in a round, narrowed by the rest."""

    round_id: int
    theme: str
    commitment: int | None = None
    question: str | None = None
    level: CodeLevel | None = None
    source: CodeSource | None = None

    def params(self) -> dict[str, Any]:
        """The filter as form or query values."""
        found = {
            "round": self.round_id,
            "theme": self.theme,
            "commitment": self.commitment,
            "question": self.question,
            "level": self.level,
            "source": self.source,
        }
        return {k: str(v) for k, v in found.items() if v not in (None, "")}


def _choice(value: str, states: Any, what: str) -> Any:
    """A state from a form value, or None for blank; junk is a clear error."""
    if not value:
        return None
    try:
        return states(value)
    except ValueError:
        raise ReviewError(f"Choose a {what} from the list.") from None


def filter_from(args: Any) -> BulkFilter:
    """A bulk filter from query or form values; raises ReviewError naming what is missing or wrong."""
    round_id, commitment = args.get("round", ""), args.get("commitment", "")
    if not round_id.isdigit():
        raise ReviewError("Choose the round the bulk decision is for.")
    theme = (args.get("theme") or "").strip()
    if not theme:
        raise ReviewError("Choose the theme to accept or reject.")
    if commitment and not commitment.isdigit():
        raise ReviewError("Choose a commitment from the list.")
    return BulkFilter(
        round_id=int(round_id),
        theme=theme[:80],
        commitment=int(commitment) if commitment else None,
        question=(args.get("question") or "").strip()[:80] or None,
        level=_choice(args.get("level", ""), CodeLevel, "level"),
        source=_choice(args.get("source", ""), CodeSource, "source"),
    )


def code_ids(bulk: BulkFilter) -> list[int]:
    """The undecided codes the filter covers, in id order (double-coded answers are left to their two reviewers)."""
    query = (
        select(Code.id)
        .join(Answer, Answer.id == Code.answer_id)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.round_id == bulk.round_id,
            Response.status == ResponseStatus.SUBMITTED,
            Code.theme_key == bulk.theme,
            Code.status == CodeStatus.PROPOSED,
            ~exists().where(DoubleCoding.answer_id == Answer.id, DoubleCoding.resolved_at.is_(None)),
        )
        .order_by(Code.id)
    )
    if bulk.commitment is not None:
        query = query.where(Answer.commitment_number == bulk.commitment)
    if bulk.question:
        query = query.where(Answer.question_key == bulk.question)
    if bulk.level:
        query = query.where(Code.level == bulk.level)
    if bulk.source:
        query = query.where(Code.source == bulk.source)
    return list(db.session.scalars(query))


def fingerprint(ids: list[int]) -> str:
    """A short digest of exactly which codes a preview showed."""
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:32]


def themes_for_round(round_id: str) -> tuple[tuple[str, str], ...]:
    """The themes to choose from: the round's pledge's current codebook version's (none for an unknown round)."""
    pledge_id = (
        db.session.scalar(select(Round.pledge_id).where(Round.id == int(round_id))) if round_id.isdigit() else None
    )
    return review.themes_of(codebooks.current_version_id(pledge_id)) if pledge_id else ()


def theme_name(bulk: BulkFilter) -> str:
    """The theme's name as the round's codes know it (the key when no code has it)."""
    name = db.session.scalar(
        select(Theme.name).join(Code, Code.theme_id == Theme.id).where(Code.theme_key == bulk.theme).limit(1)
    )
    return name or bulk.theme


def apply(bulk: BulkFilter, decision: Decision, seen: str, reviewer_id: int) -> int:
    """Decide every code the filter covers, if it still covers exactly the codes previewed; flushes.

    Raises ReviewError (nothing written) when the list changed since the preview."""
    ids = code_ids(bulk)
    if fingerprint(ids) != seen:
        raise ReviewError(
            f"The list changed after you previewed it (a colleague decided some of its codes, or a re-tag changed "
            f"them): it now holds {len(ids)} undecided codes. Nothing was changed. Check the new count and confirm "
            "again."
        )
    if not ids:
        raise ReviewError("There are no undecided codes in this list: nothing to do.")
    table = Code.__table__
    result = db.session.execute(
        update(table)
        .where(table.c.id.in_(ids), table.c.status == CodeStatus.PROPOSED)
        .values(status=CodeStatus(decision), review_version=table.c.review_version + 1)
    )
    if result.rowcount != len(ids):
        # The caller rolls back (its transaction holds the partial UPDATE).
        raise ReviewError("A colleague decided some of these codes a moment ago. Nothing was changed: try again.")
    mine = set(
        db.session.scalars(
            select(CodeDecision.code_id).where(CodeDecision.code_id.in_(ids), CodeDecision.reviewer_id == reviewer_id)
        )
    )
    if mine:
        db.session.execute(
            CodeDecision.__table__.delete().where(
                CodeDecision.code_id.in_(mine), CodeDecision.reviewer_id == reviewer_id
            )
        )
    db.session.add_all(
        CodeDecision(code_id=i, reviewer_id=reviewer_id, decision=decision, before=CodeStatus.PROPOSED) for i in ids
    )
    for code_id in ids:
        audit.record(
            "code.decided",
            actor_type="staff",
            actor_id=reviewer_id,
            target_type="code",
            target_id=code_id,
            summary=f"{bulk.theme}: proposed → {decision} (bulk)",
            before=str(CodeStatus.PROPOSED),
            after=str(decision),
            bulk=True,
        )
    db.session.flush()
    return len(ids)
