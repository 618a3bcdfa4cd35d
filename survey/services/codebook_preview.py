"""Previewing a draft codebook against a round: the "codebook_preview" job kind tags the round's answers with the
draft and stores, per answer, the themes it would gain and lose against the answer's current machine codes.

spaCy is imported only inside the batch (the worker, or an inline run where REDIS_URL is unset), never when a web
process imports this module to launch the job.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, func, select

from survey.extensions import db
from survey.models import Answer, Code, Job, Response, Round
from survey.models.review import CodebookDraft, PreviewRow
from survey.models.states import CodeSource, CodeStatus, TaggingState
from survey.services import jobs as lifecycle
from survey.services.jobs import JobKind

EXAMPLES = 3
_PIPELINES: dict[str, Any] = {}  # the draft pipelines this process built, keyed by a digest of the draft


def _digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _pipeline(data: dict[str, Any]) -> Any:
    """The spaCy pipeline of a draft (built once per process and draft)."""
    from nlp.codebook import Codebook
    from nlp.pipeline import build_pipeline

    key = _digest(data)
    if key not in _PIPELINES:
        _PIPELINES.clear()  # one draft at a time: a pipeline holds a lot of memory
        _PIPELINES[key] = build_pipeline(Codebook.from_dict(data))
    return _PIPELINES[key]


def _answers(round_id: int) -> Any:
    """A SELECT of the ids of the round's tagged free-text answers."""
    return (
        select(Answer.id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.round_id == round_id, Answer.tagging == TaggingState.TAGGED)
    )


def _begin(job: Job) -> None:
    """A preview tags with the pledge's draft as it is now (kept in the job's params)."""
    pledge_id = db.session.scalar(select(Round.pledge_id).where(Round.id == job.target_id))
    draft = db.session.scalar(select(CodebookDraft).where(CodebookDraft.pledge_id == pledge_id))
    if draft is None:
        raise LookupError(f"pledge {pledge_id} has no draft codebook to preview")
    job.params = {"data": draft.data, "draft_revision": draft.revision}


def _pending(job: Job) -> list[int]:
    """The round's answers the preview has not tagged yet."""
    done = exists().where(PreviewRow.job_id == job.id, PreviewRow.answer_id == Answer.id)
    return list(db.session.scalars(_answers(job.target_id or 0).where(~done).order_by(Answer.id)))


def _run(job: Job, answer_ids: list[int]) -> int:
    """Tag a batch with the draft and store what each answer would gain and lose; running it twice leaves the
    same rows."""
    from nlp.tagging import tag_texts

    rows = db.session.execute(select(Answer.id, Answer.text).where(Answer.id.in_(answer_ids)).order_by(Answer.id)).all()
    current: dict[int, set[str]] = defaultdict(set)
    for answer_id, key in db.session.execute(
        select(Code.answer_id, Code.theme_key).where(
            Code.answer_id.in_(answer_ids), Code.source == CodeSource.RULE, Code.status != CodeStatus.REJECTED
        )
    ):
        current[answer_id].add(key)
    tagged = tag_texts(_pipeline(job.params["data"]), [r.text or "" for r in rows])
    db.session.execute(delete(PreviewRow).where(PreviewRow.job_id == job.id, PreviewRow.answer_id.in_(answer_ids)))
    for row, found in zip(rows, tagged, strict=True):
        new = set(found.themes)
        db.session.add(
            PreviewRow(
                job_id=job.id,
                answer_id=row.id,
                gained=sorted(new - current[row.id]),
                lost=sorted(current[row.id] - new),
            )
        )
    db.session.flush()
    return len(rows)


def _preload(params: dict[str, Any]) -> bool:
    """Build the draft's pipeline in the worker before it forks a horse."""
    if _digest(params["data"]) in _PIPELINES:
        return False
    _pipeline(params["data"])
    return True


PREVIEW = lifecycle.register(
    JobKind(
        "codebook_preview",
        pending=_pending,
        run=_run,
        queue="tagging",
        batch_size=500,
        label="codebook preview",
        begin=_begin,
        preload=_preload,
    )
)


@dataclass(frozen=True)
class ThemeChange:
    """How many answers would gain and lose one theme, with a few examples of each."""

    key: str
    name: str
    gained: int
    lost: int
    gained_examples: tuple[tuple[int, str], ...]
    lost_examples: tuple[tuple[int, str], ...]


def results(job: Job) -> list[ThemeChange]:
    """Per theme of the draft (and themes it drops), the answers that would gain and lose it, with examples."""
    names = {t["key"]: t["name"] for t in job.params["data"]["themes"]}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    examples: dict[tuple[str, int], list[int]] = defaultdict(list)
    for answer_id, gained, lost in db.session.execute(
        select(PreviewRow.answer_id, PreviewRow.gained, PreviewRow.lost)
        .where(PreviewRow.job_id == job.id)
        .order_by(PreviewRow.answer_id)
    ):
        for side, keys in ((0, gained), (1, lost)):
            for key in keys:
                counts[key][side] += 1
                if len(examples[(key, side)]) < EXAMPLES:
                    examples[(key, side)].append(answer_id)
    texts = dict(
        db.session.execute(
            select(Answer.id, func.substr(Answer.text, 1, 200)).where(
                Answer.id.in_([i for ids in examples.values() for i in ids])
            )
        ).all()
    )
    return [
        ThemeChange(
            key,
            names.get(key, key),
            counts[key][0],
            counts[key][1],
            tuple((i, texts.get(i) or "") for i in examples[(key, 0)]),
            tuple((i, texts.get(i) or "") for i in examples[(key, 1)]),
        )
        for key in sorted(counts, key=lambda k: (list(names).index(k) if k in names else len(names), k))
    ]


def latest_preview(round_id: int) -> Job | None:
    """The round's most recent preview job."""
    return lifecycle.latest_job((PREVIEW,), "round", round_id)
