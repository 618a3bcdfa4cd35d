"""Theme tagging of free-text answers: tagging a batch, writing codes, launching and sweeping tagging jobs."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq.job import Job as RQJob
from spacy.language import Language
from sqlalchemy import Text, case, cast, column, delete, func, select, tuple_, update
from sqlalchemy import table as table_clause
from sqlalchemy.dialects import postgresql, sqlite

from nlp.pipeline import build_pipeline
from nlp.tagging import tag_texts
from survey.extensions import db
from survey.models import Answer, Code, CodebookVersion, Job, Pledge, Response, Round, utcnow
from survey.services import codebooks, jobs

logger = logging.getLogger(__name__)

KINDS = ("tag", "retag")
ACTIVE = ("queued", "running")
BATCH_SIZE = 500
TAG_BATCH = "survey.jobs.tag_batch"
# One lock serialises sweeps and launches, so two processes never queue the same pending answers. It expires
# after SWEEP_LOCK_TIMEOUT seconds (a sweep takes well under one), so a process killed holding it blocks little.
SWEEP_LOCK = "tagging-sweep"
SWEEP_LOCK_TIMEOUT = 60
LAUNCH_LOCK_WAIT = 10
PIPELINE_CACHE_SIZE = 3

# Pipelines keyed by codebook version id: the worker fills it before forking, so work horses share it.
_PIPELINES: dict[int, Language] = {}


class TaggingError(LookupError):
    """A tagging job names something that does not exist."""


def pipeline_for(codebook_version_id: int) -> Language:
    """The spaCy pipeline of a codebook version, from the module cache or built (and cached) now."""
    nlp = _PIPELINES.get(codebook_version_id)
    if nlp is None:
        version = db.session.get(CodebookVersion, codebook_version_id)
        if version is None:
            raise TaggingError(f"codebook version {codebook_version_id} does not exist")
        nlp = build_pipeline(codebooks.as_codebook(version))
        while len(_PIPELINES) >= PIPELINE_CACHE_SIZE:
            _PIPELINES.pop(next(iter(_PIPELINES)))
        _PIPELINES[codebook_version_id] = nlp
    return nlp


def pipeline_loaded(codebook_version_id: int) -> bool:
    """Whether this process already holds the codebook version's pipeline."""
    return codebook_version_id in _PIPELINES


def preload_pipelines() -> list[int]:
    """Build the pipeline of every pledge's current codebook version (seeding it if missing); return their ids."""
    ids = [codebooks.current_version_id(pledge_id) for pledge_id in db.session.scalars(select(Pledge.id))]
    for version_id in ids:
        pipeline_for(version_id)
    return ids


def code_rows(
    answers: Sequence[Any], nlp: Language, codebook_version_id: int, theme_ids: dict[str, int]
) -> list[dict[str, Any]]:
    """Tag answers (rows with id, text, revision) and return one code row per answer and theme found."""
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for answer, tagged in zip(answers, tag_texts(nlp, [a.text or "" for a in answers]), strict=True):
        spans: dict[str, list[list[int]]] = {key: [] for key in tagged.themes}
        for span in tagged.spans:
            spans.setdefault(span.theme, []).append([span.start, span.end])
        for key in sorted(spans):
            rows.append({
                "answer_id": answer.id, "theme_id": theme_ids[key], "theme_key": key,
                "codebook_version_id": codebook_version_id, "source": "rule", "status": "proposed",
                "spans": spans[key], "answer_revision": answer.revision, "note": "", "created_at": now,
            })
    return rows


_ROW_COLUMNS = (
    "answer_id", "theme_id", "theme_key", "codebook_version_id", "source", "status", "spans", "answer_revision",
    "note", "created_at",
)
# PostgreSQL receives a batch's code rows by COPY into this per-connection table, then upserts them in one
# statement: one statement per row cost more than tagging the batch.
_STAGING = "code_rows_staging"
_STAGING_DDL = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} (answer_id integer, theme_id integer, theme_key varchar(80),"
    " codebook_version_id integer, source varchar(10), status varchar(10), spans jsonb, answer_revision integer,"
    " note text, created_at timestamp) ON COMMIT DELETE ROWS"
)


def _upsert(dialect: Any, rows_from: Any = None) -> Any:
    """An INSERT of code rows (bound values, or `rows_from` a select) that updates an existing proposed rule code
    instead of duplicating it."""
    table = Code.__table__
    stmt = dialect.insert(table)
    if rows_from is not None:
        stmt = stmt.from_select(list(_ROW_COLUMNS), rows_from)
    changed = ("theme_id", "codebook_version_id", "spans", "answer_revision")
    return stmt.on_conflict_do_update(
        index_elements=["answer_id", "theme_key", "source"],
        set_={name: stmt.excluded[name] for name in changed},
        # A code a reviewer accepted or rejected is theirs now: automatic tagging leaves it alone.
        where=table.c.status == "proposed",
    )


def _upsert_rows(rows: list[dict[str, Any]]) -> None:
    """Upsert code rows: COPY and one set-based statement on PostgreSQL, a batched executemany on SQLite."""
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(_upsert(sqlite), rows)
        return
    connection = db.session.connection()
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(_STAGING_DDL)
        with cursor.copy(f"COPY {_STAGING} ({', '.join(_ROW_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c == "spans" else row[c] for c in _ROW_COLUMNS])
    staging = table_clause(_STAGING, *(column(name) for name in _ROW_COLUMNS))
    connection.execute(_upsert(postgresql, select(*staging.c)))
    connection.execute(delete(staging))  # the next batch in this transaction (tests run several) starts empty


def write_codes(answer_ids: Sequence[int], rows: list[dict[str, Any]]) -> None:
    """Upsert the batch's rule codes and delete its proposed rule codes the tagger no longer finds."""
    table = Code.__table__
    # Filter by answer only, so the planner always takes the answer_id index; the status check is done here.
    existing = db.session.execute(
        select(table.c.id, table.c.answer_id, table.c.theme_key, table.c.theme_id, table.c.codebook_version_id,
               cast(table.c.spans, Text).label("spans_json"), table.c.answer_revision, table.c.source,
               table.c.status)
        .where(table.c.answer_id.in_(answer_ids))
    ).all()
    current = {(e.answer_id, e.theme_key): e for e in existing if (e.source, e.status) == ("rule", "proposed")}
    wanted = {(r["answer_id"], r["theme_key"]) for r in rows}
    stale = [e.id for key, e in current.items() if key not in wanted]
    if stale:
        db.session.execute(delete(table).where(table.c.id.in_(stale)))
    # Unchanged codes are not written again, so re-running a batch touches nothing.
    changed = [r for r in rows if not _same(current.get((r["answer_id"], r["theme_key"])), r)]
    if changed:
        _upsert_rows(changed)


def _same(existing: Any, row: dict[str, Any]) -> bool:
    """Whether a stored proposed code already says what the new row says (spans compared as JSON text)."""
    # Comparing text skips decoding thousands of JSON values; a formatting difference only costs a rewrite.
    return existing is not None and (
        existing.theme_id, existing.codebook_version_id, existing.answer_revision
    ) == (row["theme_id"], row["codebook_version_id"], row["answer_revision"]) and (
        existing.spans_json.replace(" ", "") == json.dumps(row["spans"], separators=(",", ":"))
    )


def tag_answers(
    answer_ids: Sequence[int], codebook_version_id: int, *, before_write: Callable[[], None] | None = None
) -> int:
    """Tag answers with a codebook version, write their codes and mark them tagged; commits.

    Returns how many answers went from pending (or failed) to tagged: 0 when the batch is run again.
    """
    answers = db.session.execute(
        select(Answer.id, Answer.text, Answer.revision).where(Answer.id.in_(answer_ids)).order_by(Answer.id)
    ).all()
    rows = code_rows(answers, pipeline_for(codebook_version_id), codebook_version_id,
                     codebooks.theme_ids(codebook_version_id))
    if before_write is not None:
        before_write()
    write_codes([a.id for a in answers], rows)
    # Core UPDATE, so the answer's optimistic-lock revision is not bumped; a newer save is left pending.
    table = Answer.__table__
    result = db.session.execute(
        update(table)
        .where(table.c.id.in_([a.id for a in answers]))  # lets the planner use the primary key
        .where(tuple_(table.c.id, table.c.revision).in_([(a.id, a.revision) for a in answers]))
        .where(table.c.tagging.in_(("pending", "failed")))
        .values(tagging="tagged")
    )
    db.session.commit()
    return result.rowcount


def _target_answers(target_type: str, target_id: int) -> Any:
    """A SELECT of the ids of the target's free-text answers (a response's, or a round's submitted ones)."""
    query = select(Answer.id).where(Answer.tagging != "none")
    if target_type == "response":
        return query.where(Answer.response_id == target_id)
    if target_type == "round":
        return query.join(Response, Answer.response_id == Response.id).where(Response.round_id == target_id)
    raise TaggingError(f"cannot tag a {target_type!r}")


def pending_answer_ids(target_type: str, target_id: int) -> list[int]:
    """Ids of the target's answers still waiting for tagging, in id order."""
    query = _target_answers(target_type, target_id).where(Answer.tagging == "pending").order_by(Answer.id)
    return list(db.session.scalars(query))


def pending_count(target_type: str, target_id: int) -> int:
    """How many of the target's answers still wait for tagging."""
    query = _target_answers(target_type, target_id).where(Answer.tagging == "pending")
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def tagging_counts(round_id: int) -> dict[str, int]:
    """How many of a round's submitted free-text answers are tagged, pending and failed."""
    query = (
        select(Answer.tagging, func.count())
        .join(Response, Answer.response_id == Response.id)
        .where(Response.round_id == round_id, Answer.tagging != "none")
        .group_by(Answer.tagging)
    )
    counts = {"tagged": 0, "pending": 0, "failed": 0}
    counts.update({state: n for state, n in db.session.execute(query)})
    return counts


def _pledge_of(target_type: str, target_id: int) -> int:
    """The pledge a response or round belongs to."""
    query = select(Round.pledge_id).where(Round.id == target_id)
    if target_type == "response":
        query = select(Round.pledge_id).join(Response, Response.round_id == Round.id).where(
            Response.id == target_id
        )
    pledge_id = db.session.scalar(query)
    if pledge_id is None:
        raise TaggingError(f"{target_type} {target_id} does not exist")
    return pledge_id


def active_job(kind: str, target_type: str, target_id: int) -> Job | None:
    """The queued or running job of this kind for this target, if any."""
    return db.session.scalar(
        select(Job)
        .where(Job.kind == kind, Job.target_type == target_type, Job.target_id == target_id,
               Job.status.in_(ACTIVE))
        .order_by(Job.id)
        .limit(1)
    )


class Launch(StrEnum):
    """What a launch did: started a job, joined one whose queued work is live, or resumed one whose work was lost."""

    STARTED = "started"
    JOINED = "joined"
    RESUMED = "resumed"


def start_tagging(target_type: str, target_id: int, *, retag: bool = False) -> tuple[Job, Launch]:
    """Create the Job row and queue tagging of a response or round in batches; a duplicate launch joins the
    active job, or resumes it when some of its pending answers are held by none of its live RQ jobs; commits."""
    kind = "retag" if retag else "tag"
    existing = active_job(kind, target_type, target_id)
    job = existing or _create_job(kind, target_type, target_id)
    if job.status not in ACTIVE:
        return job, Launch.STARTED  # nothing to tag
    # The row is committed before the lock is asked for: with Redis down the job is left for the sweep to find.
    with jobs.exclusive(SWEEP_LOCK, timeout=SWEEP_LOCK_TIMEOUT, wait=LAUNCH_LOCK_WAIT) as mine:
        if not mine:
            logger.warning("a sweep holds the tagging lock: job %s is left for the next sweep", job.id)
            queued = False
        else:
            db.session.refresh(job)  # a sweep may have queued it since it was read
            queued = job.status in ACTIVE and _queue_uncovered(job)
    if existing is None:
        return job, Launch.STARTED
    if job.status == "failed":  # RQ had given up on its batches: this launch starts afresh
        return start_tagging(target_type, target_id, retag=retag)
    return job, Launch.RESUMED if queued else Launch.JOINED


def launch_tagging(target_type: str, target_id: int, *, retag: bool = False) -> Job:
    """Launch tagging of a response or round (see `start_tagging`) and return its Job row."""
    return start_tagging(target_type, target_id, retag=retag)[0]


def _create_job(kind: str, target_type: str, target_id: int) -> Job:
    """A new Job row for the target's pending answers (all of them marked pending first for a re-tag); commits."""
    version_id = codebooks.current_version_id(_pledge_of(target_type, target_id))
    if kind == "retag":
        table = Answer.__table__
        db.session.execute(
            update(table).where(table.c.id.in_(_target_answers(target_type, target_id))).values(tagging="pending")
        )
    total = pending_count(target_type, target_id)
    job = Job(kind=kind, target_type=target_type, target_id=target_id, total=total,
              status="queued" if total else "finished", params={"codebook_version_id": version_id})
    db.session.add(job)
    db.session.commit()
    return job


def enqueue_batches(job: Job, answer_ids: Sequence[int], *, keep: Sequence[str] = ()) -> None:
    """Queue one RQ job per batch of answers (or run them inline without Redis); commits.

    The job's `rq_ids` become `keep` (its RQ jobs still live) plus the new ones, recorded before the queue holds
    them: if Redis refuses them, or this process dies in between, the sweep finds ids with nothing behind them.
    """
    version_id = job.params["codebook_version_id"]
    batches = [list(answer_ids[i : i + BATCH_SIZE]) for i in range(0, len(answer_ids), BATCH_SIZE)]
    calls = [(job.id, batch, version_id) for batch in batches]
    if jobs.redis_connection() is None:
        jobs.enqueue_all(TAG_BATCH, calls)
        return
    rq_ids = jobs.new_ids(len(calls))
    job.params = {**job.params, "rq_ids": [*keep, *rq_ids]}
    db.session.commit()
    jobs.enqueue_all(TAG_BATCH, calls, job_ids=rq_ids)


def mark_running(job_id: int) -> None:
    """Mark a queued job as running; commits."""
    table = Job.__table__
    db.session.execute(
        update(table).where(table.c.id == job_id, table.c.status == "queued")
        .values(status="running", started_at=utcnow())
    )
    db.session.commit()


def add_progress(job_id: int, batch_size: int, newly_tagged: int) -> None:
    """Count a finished batch towards its job; recount exactly when the batch ran before or may be the last."""
    table = Job.__table__
    bumped = table.c.progress + newly_tagged
    db.session.execute(
        update(table).where(table.c.id == job_id)
        .values(progress=case((bumped > table.c.total, table.c.total), else_=bumped))
    )
    db.session.commit()
    job = db.session.get_one(Job, job_id)
    db.session.refresh(job)
    # A short batch means some answers were tagged elsewhere (a re-run, an overlapping job): count them exactly.
    if newly_tagged < batch_size or job.progress >= job.total:
        refresh_progress(job_id)


def refresh_progress(job_id: int) -> None:
    """Recount the job's progress from its target's pending answers; finished when none remain; commits."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise TaggingError(f"job {job_id} does not exist")
    pending = pending_count(job.target_type, job.target_id or 0)
    done = max(job.total - pending, 0)
    table = Job.__table__
    # Concurrent batches may count in any order: progress only grows, and a failed job stays failed.
    values: dict[str, Any] = {"progress": case((table.c.progress > done, table.c.progress), else_=done)}
    if pending == 0:
        values.update(status=case((table.c.status == "failed", "failed"), else_="finished"),
                      progress=table.c.total, finished_at=utcnow())
    db.session.execute(update(table).where(table.c.id == job_id).values(**values))
    db.session.commit()


def record_failure(job_id: int, answer_ids: Sequence[int], error: BaseException, *, final: bool) -> None:
    """Write the error on the Job row; on the last attempt mark the job and the batch's answers failed; commits."""
    db.session.rollback()
    values: dict[str, Any] = {"error": f"{type(error).__name__}: {error}"[:2000]}
    if final:
        values.update(status="failed", finished_at=utcnow())
        answers = Answer.__table__
        db.session.execute(
            update(answers).where(answers.c.id.in_(answer_ids), answers.c.tagging == "pending")
            .values(tagging="failed")
        )
    db.session.execute(update(Job.__table__).where(Job.__table__.c.id == job_id).values(**values))
    db.session.commit()


def after_submission(response_id: int) -> None:
    """Queue tagging of a just-submitted response's free-text answers; never undoes the submission."""
    try:
        launch_tagging("response", response_id)
    except (RedisConnectionError, RedisTimeoutError):
        # The submission is committed and its answers stay pending: the sweep queues them once Redis is back.
        db.session.rollback()
        logger.warning("Redis is unreachable: the answers of response %s await tagging", response_id,
                       exc_info=True)
    except Exception:
        # Inline mode ran the job here: it has already logged, marked its Job row failed and re-raised.
        db.session.rollback()
        logger.exception("tagging response %s failed after it was submitted", response_id)


def _answers_held_by(rq_job: RQJob) -> list[int]:
    """The answer ids a tag_batch RQ job holds (its second argument); none for any other function."""
    return list(rq_job.args[1]) if rq_job.func_name == TAG_BATCH else []


def _active_jobs() -> list[Job]:
    """Queued and running tagging jobs, oldest first."""
    return list(db.session.scalars(
        select(Job).where(Job.kind.in_(KINDS), Job.status.in_(ACTIVE)).order_by(Job.id)
    ))


def _queue_uncovered(job: Job) -> bool:
    """Queue the job's pending answers that none of its live RQ jobs holds, or close the job when it is done but
    nobody counted it; return whether it was stuck. The caller holds the sweep lock, so two processes never queue
    the same answers, and a live batch's answers are never queued twice."""
    # RQ first, the database second: an answer a batch tags in between is then no longer pending, rather than
    # pending and held by no live batch.
    found = jobs.census(job.params.get("rq_ids", []))
    held = {answer_id for rq_job in found.live for answer_id in _answers_held_by(rq_job)}
    pending = pending_answer_ids(job.target_type, job.target_id or 0)
    given_up = {answer_id for rq_job in found.given_up for answer_id in _answers_held_by(rq_job)}
    if lost := [i for i in pending if i in given_up and i not in held]:
        # RQ spent the batch's retries without tag_batch recording a failure (its work horse was killed each
        # time): fail it as tag_batch would, rather than queue it again at every sweep.
        ended = ", ".join(f"{rq_job.id} {rq_job.get_status(refresh=False).value}" for rq_job in found.given_up)
        record_failure(job.id, lost, TaggingError(f"RQ gave up on its batches ({ended}) before they were tagged"),
                       final=True)
        return True
    todo = [i for i in pending if i not in held]
    if not todo and found.live:
        return False  # its queued or running batches will finish and count it
    # A batch whose worker died is taken over: deleting it keeps RQ's own clean-up from retrying it as well.
    jobs.discard(found.abandoned)
    if todo:
        enqueue_batches(job, todo, keep=[rq_job.id for rq_job in found.live])
    else:
        refresh_progress(job.id)  # all tagged, but the last batch's worker died before counting it
    return True


def _orphan_rounds(covered: Iterable[Job]) -> list[int]:
    """Rounds with pending answers that no active job covers."""
    responses = [j.target_id for j in covered if j.target_type == "response"]
    rounds = [j.target_id for j in covered if j.target_type == "round"]
    query = (
        select(Response.round_id)
        .join(Answer, Answer.response_id == Response.id)
        .where(Answer.tagging == "pending", Response.id.not_in(responses), Response.round_id.not_in(rounds))
        .distinct()
    )
    return sorted(db.session.scalars(query))


def sweep() -> list[Job]:
    """Recover lost tagging: queue again what no live RQ job holds, close jobs done but not counted, then launch a
    job per round whose pending answers no active job covers. Safe to run often: it is what the worker runs
    every `--sweep-interval` seconds, under a Redis lock so one process sweeps at a time."""
    with jobs.exclusive(SWEEP_LOCK, timeout=SWEEP_LOCK_TIMEOUT) as mine:
        if not mine:
            logger.info("another process is sweeping; skipped")
            return []
        recovered = [job for job in _active_jobs() if _queue_uncovered(job)]
        for round_id in _orphan_rounds(_active_jobs()):
            job = _create_job("tag", "round", round_id)
            if job.status in ACTIVE:
                _queue_uncovered(job)
            recovered.append(job)
        return recovered


def latest_job(target_type: str, target_id: int) -> Job | None:
    """The most recently launched tagging job for a target."""
    return db.session.scalar(
        select(Job)
        .where(Job.kind.in_(KINDS), Job.target_type == target_type, Job.target_id == target_id)
        .order_by(Job.id.desc())
        .limit(1)
    )
