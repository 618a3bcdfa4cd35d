"""Theme tagging of free-text answers: the "tag" and "retag" job kinds, the answers they wait on, tagging a batch
into rule codes, launching after submission, and the counts on the lead's round page.

spaCy is not imported here: the web processes import this module to queue tagging, and only the processes that
tag a batch load `survey/services/pipelines.py` (see `_pipelines`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from types import ModuleType
from typing import TYPE_CHECKING, Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import func, select, tuple_, update

from survey import jobs
from survey.extensions import db
from survey.models import Answer, Job, Response, Round
from survey.models.states import CodeLevel, CodeSource, TaggingState
from survey.services import codebooks, codes
from survey.services import jobs as lifecycle
from survey.services.jobs import JobKind

if TYPE_CHECKING:
    from nlp.tagging import Tagged

logger = logging.getLogger(__name__)

QUEUE = "tagging"
BATCH_SIZE = 500


class TaggingError(LookupError):
    """A tagging job names something that does not exist."""


def _pipelines() -> ModuleType:
    """The pipeline cache, imported on first use: it imports spaCy, which only a process that tags should load."""
    from survey.services import pipelines

    return pipelines


def code_rows(
    answers: Sequence[Any], tagged: Iterable[Tagged], codebook_version_id: int, theme_ids: dict[str, int]
) -> list[dict[str, Any]]:
    """One code row per answer (rows with id and revision) and theme its tagging found: spans are the sentences
    that carry the theme, as [start, end], with the theme's score (confidence) and level."""
    rows: list[dict[str, Any]] = []
    for answer, found in zip(answers, tagged, strict=True):
        spans: dict[str, list[list[int]]] = {key: [] for key in found.themes}
        for span in found.spans:
            spans.setdefault(span.theme, []).append([span.start, span.end])
        for key in sorted(spans):
            rows.append(
                {
                    "answer_id": answer.id,
                    "theme_id": theme_ids[key],
                    "theme_key": key,
                    "codebook_version_id": codebook_version_id,
                    "spans": spans[key],
                    "answer_revision": answer.revision,
                    "confidence": found.scores.get(key),
                    "level": CodeLevel(found.levels.get(key, CodeLevel.PROPOSED)).value,
                }
            )
    return rows


def tag_answers(answer_ids: Sequence[int], codebook_version_id: int) -> int:
    """Tag answers with a codebook version, write their rule codes and mark them tagged; flushes.

    Returns how many answers went from pending (or failed) to tagged: 0 when the batch is run again.
    """
    answers = db.session.execute(
        select(Answer.id, Answer.text, Answer.revision).where(Answer.id.in_(answer_ids)).order_by(Answer.id)
    ).all()
    tagged = _pipelines().tag(codebook_version_id, [a.text or "" for a in answers])
    rows = code_rows(answers, tagged, codebook_version_id, codebooks.theme_ids(codebook_version_id))
    codes.write_codes(rows, source=CodeSource.RULE, answer_ids=[a.id for a in answers])
    # Core UPDATE, so the answer's optimistic-lock revision is not bumped; a newer save is left pending.
    table = Answer.__table__
    result = db.session.execute(
        update(table)
        .where(table.c.id.in_([a.id for a in answers]))  # lets the planner use the primary key
        .where(tuple_(table.c.id, table.c.revision).in_([(a.id, a.revision) for a in answers]))
        .where(table.c.tagging.in_((TaggingState.PENDING, TaggingState.FAILED)))
        .values(tagging=TaggingState.TAGGED)
    )
    return result.rowcount


def _target_answers(target_type: str, target_id: int) -> Any:
    """A SELECT of the ids of the target's free-text answers (a response's, or a round's submitted ones)."""
    query = select(Answer.id).where(Answer.tagging != TaggingState.NONE)
    if target_type == "response":
        return query.where(Answer.response_id == target_id)
    if target_type == "round":
        return query.join(Response, Answer.response_id == Response.id).where(Response.round_id == target_id)
    raise TaggingError(f"cannot tag a {target_type!r}")


def pending_answer_ids(target_type: str, target_id: int) -> list[int]:
    """Ids of the target's answers still waiting for tagging, in id order."""
    query = _target_answers(target_type, target_id).where(Answer.tagging == TaggingState.PENDING).order_by(Answer.id)
    return list(db.session.scalars(query))


def pending_count(target_type: str, target_id: int) -> int:
    """How many of the target's answers still wait for tagging."""
    query = _target_answers(target_type, target_id).where(Answer.tagging == TaggingState.PENDING)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def tagging_counts(round_id: int) -> dict[str, int]:
    """How many of a round's submitted free-text answers are tagged, pending and failed."""
    query = (
        select(Answer.tagging, func.count())
        .join(Response, Answer.response_id == Response.id)
        .where(Response.round_id == round_id, Answer.tagging != TaggingState.NONE)
        .group_by(Answer.tagging)
    )
    counts = {"tagged": 0, "pending": 0, "failed": 0}
    counts.update({state: n for state, n in db.session.execute(query)})
    return counts


def _pledge_of(target_type: str, target_id: int) -> int:
    """The pledge a response or round belongs to."""
    query = select(Round.pledge_id).where(Round.id == target_id)
    if target_type == "response":
        query = select(Round.pledge_id).join(Response, Response.round_id == Round.id).where(Response.id == target_id)
    pledge_id = db.session.scalar(query)
    if pledge_id is None:
        raise TaggingError(f"{target_type} {target_id} does not exist")
    return pledge_id


# The job kinds: the lifecycle (survey/services/jobs.py) calls these.


def _begin(job: Job) -> None:
    """A new tagging job tags with its pledge's current codebook version (seeded if missing)."""
    job.params = {"codebook_version_id": codebooks.current_version_id(_pledge_of(job.target_type, job.target_id))}


def _begin_retag(job: Job) -> None:
    """A re-tag marks every free-text answer of its target pending, then tags them like a new tagging job."""
    _begin(job)
    table = Answer.__table__
    db.session.execute(
        update(table)
        .where(table.c.id.in_(_target_answers(job.target_type, job.target_id)))
        .values(tagging=TaggingState.PENDING)
    )


def _pending(job: Job) -> list[int]:
    """The job's answers still waiting for tagging."""
    return pending_answer_ids(job.target_type, job.target_id or 0)


def _run(job: Job, answer_ids: list[int]) -> int:
    """Tag a batch with the job's codebook version."""
    return tag_answers(answer_ids, job.params["codebook_version_id"])


def _fail(job: Job, answer_ids: list[int]) -> None:
    """A batch's answers still pending on its last attempt become failed (the lead's page counts them)."""
    table = Answer.__table__
    db.session.execute(
        update(table)
        .where(table.c.id.in_(answer_ids), table.c.tagging == TaggingState.PENDING)
        .values(tagging=TaggingState.FAILED)
    )


def _preload(params: dict[str, Any]) -> bool:
    """Build the pipeline of the job's codebook version (in the worker, before it forks a horse)."""
    return _pipelines().preload(params["codebook_version_id"])


def _warm() -> list[int]:
    """Build the pipelines of every pledge's current codebook version (at worker start)."""
    return _pipelines().preload_pipelines()


def _orphans(active: Sequence[Job]) -> list[tuple[str, int]]:
    """Rounds with pending answers that no active tagging job covers."""
    covered = [j for j in active if j.kind in (TAG.name, RETAG.name)]
    responses = [j.target_id for j in covered if j.target_type == "response"]
    rounds = [j.target_id for j in covered if j.target_type == "round"]
    query = (
        select(Response.round_id)
        .join(Answer, Answer.response_id == Response.id)
        .where(Answer.tagging == TaggingState.PENDING, Response.id.not_in(responses), Response.round_id.not_in(rounds))
        .distinct()
    )
    return [("round", round_id) for round_id in sorted(db.session.scalars(query))]


TAG = lifecycle.register(
    JobKind(
        "tag",
        pending=_pending,
        run=_run,
        queue=QUEUE,
        batch_size=BATCH_SIZE,
        label="tagging",
        begin=_begin,
        fail=_fail,
        preload=_preload,
        warm=_warm,
        orphans=_orphans,
    )
)
# A re-tag differs only in how it begins; the sweep launches plain tagging for answers no job covers.
RETAG = lifecycle.register(replace(TAG, name="retag", begin=_begin_retag, orphans=None))


def latest_job(target_type: str, target_id: int) -> Job | None:
    """The most recently launched tagging job for a target."""
    return lifecycle.latest_job((TAG, RETAG), target_type, target_id)


def after_submission(response_id: int) -> None:
    """Queue tagging of a just-submitted response's free-text answers (the launch commits its Job row); never
    undoes the submission."""
    try:
        jobs.launch(TAG, "response", response_id)
    except (RedisConnectionError, RedisTimeoutError):
        # The submission is committed and its answers stay pending: the sweep queues them once Redis is back.
        db.session.rollback()
        logger.warning("Redis is unreachable: the answers of response %s await tagging", response_id, exc_info=True)
    except Exception:
        # Inline mode ran the job here: it has already logged, marked its Job row failed and re-raised.
        db.session.rollback()
        logger.exception("tagging response %s failed after it was submitted", response_id)


def sweep() -> list[Job]:
    """Recover lost background work of every kind (`survey.jobs.sweep`; the demo's seeding calls it here)."""
    return jobs.sweep()
