"""The life of a Job row, the same for every kind of background work.

A kind (tagging, re-tagging; mail, exports and training to come) registers a `JobKind`: references to its own
functions that find the item ids still to do and do one batch of them. The lifecycle creates the row, cuts the
work into batches, counts progress, records failures and recovers lost batches by asking RQ what became of them.

These functions flush and never commit: `survey/jobs.py` drives them and owns the transactions, because a Job row
must be committed before its batches are queued (a worker finds only committed rows) and a batch's progress must
be committed for anyone else to see it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import import_module
from typing import Any

from rq.job import Job as RQJob
from sqlalchemy import case, select, update

from survey import queue
from survey.extensions import db
from survey.models import Job, utcnow
from survey.models.states import ACTIVE_JOB_STATUSES, JobStatus

# Keys of Job.params the lifecycle owns; every other key is the kind's, and is what its `preload` receives.
RQ_IDS = "rq_ids"


class JobError(LookupError):
    """A job, or its kind, is not what the lifecycle expects (unknown, or its work given up on)."""


@dataclass(frozen=True)
class JobKind:
    """One kind of background work, as the lifecycle needs it: each callable is the domain's own function.

    `pending(job)` lists the ids of the items still to do, in order; `run(job, item_ids)` does one batch (flushing,
    never committing) and returns how many items it newly did, 0 when the batch ran before. The others are
    optional: `begin(job)` prepares a new job (its params; a re-tag marks every answer pending again) before its
    items are counted; `fail(job, item_ids)` marks a batch's items failed on its last attempt; `preload(params)`
    builds, in the worker's parent before it forks, what a batch of a job with these params needs (True when it
    built something); `warm()` builds at worker start what most batches will need; `orphans(active_jobs)` names
    the targets whose pending items no active job covers, for the sweep to launch a job for. `label` names the
    kind's jobs in the sweep's summary.
    """

    name: str
    pending: Callable[[Job], list[int]]
    run: Callable[[Job, list[int]], int]
    queue: str = "default"
    batch_size: int = 500
    label: str = ""
    begin: Callable[[Job], None] | None = None
    fail: Callable[[Job, list[int]], None] | None = None
    preload: Callable[[dict[str, Any]], bool] | None = None
    warm: Callable[[], object] | None = None
    orphans: Callable[[Sequence[Job]], list[tuple[str, int]]] | None = None

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name)


# The registered kinds by name: a Job row's `kind` column names one of them.
KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    """Make a kind of work known to the lifecycle (its module does this on import); returns it."""
    known = KINDS.get(kind.name)
    if known is not None and known is not kind:
        raise ValueError(f"another job kind is already registered as {kind.name!r}")
    KINDS[kind.name] = kind
    return kind


def kind_of(job: Job | str) -> JobKind:
    """The registered kind of a Job row (or of that name)."""
    name = job if isinstance(job, str) else job.kind
    try:
        return KINDS[name]
    except KeyError:
        raise JobError(f"no job kind {name!r} is registered in this process") from None


def import_kind_modules(names: Iterable[str]) -> list[str]:
    """Import modules that register more kinds or batch hooks (the worker's `--job-module`); return their names."""
    imported = [name.strip() for name in names if name.strip()]
    for name in imported:
        import_module(name)
    return imported


class BatchPoint(StrEnum):
    """Points of every batch where registered hooks run, in the process running it (a worker's horse)."""

    RUNNING = "running"  # the job is marked running and committed; the kind's run comes next
    WRITTEN = "written"  # the run's writes are committed; counting them comes next


_HOOKS: dict[BatchPoint, list[Callable[[Job, Sequence[int]], None]]] = {point: [] for point in BatchPoint}


def on_batch(point: BatchPoint, hook: Callable[[Job, Sequence[int]], None]) -> Callable[[], None]:
    """Call `hook(job, item_ids)` at this point of every batch; returns what takes it away again. The app
    registers none: the tests pause (or look) there."""
    _HOOKS[point].append(hook)
    return lambda: _HOOKS[point].remove(hook)


def reached(point: BatchPoint, job: Job, item_ids: Sequence[int]) -> None:
    """Run the hooks registered at this point of a batch."""
    for hook in _HOOKS[point]:
        hook(job, item_ids)


class Launch(StrEnum):
    """What a launch did: started a job, joined one whose queued work is live, or resumed one whose work was lost."""

    STARTED = "started"
    JOINED = "joined"
    RESUMED = "resumed"


def get_job(job_id: int) -> Job:
    """The Job row, or JobError when there is none."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise JobError(f"job {job_id} does not exist")
    return job


def active_job(kind: str, target_type: str, target_id: int) -> Job | None:
    """The queued or running job of this kind for this target, if any."""
    return db.session.scalar(
        select(Job)
        .where(
            Job.kind == kind,
            Job.target_type == target_type,
            Job.target_id == target_id,
            Job.status.in_(ACTIVE_JOB_STATUSES),
        )
        .order_by(Job.id)
        .limit(1)
    )


def active_jobs() -> list[Job]:
    """Queued and running jobs of every kind registered here, oldest first."""
    return list(
        db.session.scalars(
            select(Job).where(Job.kind.in_(list(KINDS)), Job.status.in_(ACTIVE_JOB_STATUSES)).order_by(Job.id)
        )
    )


def latest_job(kinds: Iterable[JobKind], target_type: str, target_id: int) -> Job | None:
    """The most recently launched job of one of these kinds for a target."""
    return db.session.scalar(
        select(Job)
        .where(Job.kind.in_([k.name for k in kinds]), Job.target_type == target_type, Job.target_id == target_id)
        .order_by(Job.id.desc())
        .limit(1)
    )


def create_job(kind: JobKind, target_type: str, target_id: int, params: dict[str, Any] | None = None) -> Job:
    """A new Job row for the target's pending items, with the launcher's `params` (who started it, say), prepared by
    the kind's `begin` (finished at once when there is nothing to do); flushes."""
    kind = kind_of(kind.name)  # the registered one: the lifecycle always goes by name, as a Job row does
    job = Job(kind=kind.name, target_type=target_type, target_id=target_id, params=dict(params or {}))
    if kind.begin is not None:
        kind.begin(job)
    job.total = len(kind.pending(job))
    job.status = JobStatus.QUEUED if job.total else JobStatus.FINISHED
    db.session.add(job)
    db.session.flush()
    return job


def open_job(kind: JobKind, target_type: str, target_id: int, params: dict[str, Any] | None = None) -> tuple[Job, bool]:
    """The active job of this kind for the target (a launch that joins it keeps its params), or a new one with
    `params` (flushed); and whether it is new."""
    existing = active_job(kind.name, target_type, target_id)
    return (existing, False) if existing is not None else (create_job(kind, target_type, target_id, params), True)


@dataclass(frozen=True)
class Batches:
    """A job's batches, to queue once the Job row recording their RQ ids is committed (no ids inline)."""

    job_id: int
    queue: str
    meta: dict[str, Any]
    items: list[list[int]]
    rq_ids: list[str] | None


def plan_batches(job: Job, item_ids: Sequence[int], *, keep: Sequence[str] = ()) -> Batches:
    """Cut items into the kind's batches; with Redis, the job's RQ ids become `keep` (its RQ jobs still live) plus
    the new ones; flushes.

    Each RQ job's meta names the kind and, when the kind preloads, the job's params: the worker builds what the batch
    needs from them before it forks, without reading the batch's arguments.
    """
    kind = kind_of(job)
    items = [list(item_ids[i : i + kind.batch_size]) for i in range(0, len(item_ids), kind.batch_size)]
    meta: dict[str, Any] = {"kind": kind.name}
    if kind.preload is not None:
        meta["preload"] = {key: value for key, value in job.params.items() if key != RQ_IDS}
    rq_ids = None
    if queue.redis_connection() is not None:
        rq_ids = queue.new_ids(len(items))
        job.params = {**job.params, RQ_IDS: [*keep, *rq_ids]}
        db.session.flush()
    return Batches(job.id, kind.queue, meta, items, rq_ids)


def held_items(rq_job: RQJob) -> list[int]:
    """The item ids a batch's RQ job holds (the entry point's second argument); none for any other RQ job."""
    return list(rq_job.args[1]) if "kind" in rq_job.meta else []


@dataclass(frozen=True)
class Recovery:
    """What judging one active job found: whether it was stuck, and the batches to queue once it is committed."""

    stuck: bool
    batches: Batches | None = None


def recover(job: Job) -> Recovery:
    """Judge an active job batch by batch; flushes.

    RQ gave up on a batch whose items are still pending: the job fails (rather than being queued at every sweep).
    Pending items that no live RQ job holds are queued again; a job whose items are all done but that nobody counted
    is closed; a job whose batches are all live is left alone. The caller holds the sweep lock, so two processes never
    queue the same items, and a live batch's items are never queued twice.
    """
    kind = kind_of(job)
    # RQ first, the database second: an item a batch finishes in between is then no longer pending, rather than
    # pending and held by no live batch.
    found = queue.census(job.params.get(RQ_IDS, []))
    held = {item for rq_job in found.live for item in held_items(rq_job)}
    pending = kind.pending(job)
    given_up = {item for rq_job in found.given_up for item in held_items(rq_job)}
    if lost := [i for i in pending if i in given_up and i not in held]:
        # RQ spent the batch's retries without the batch recording a failure (its work horse was killed each time).
        ended = ", ".join(f"{rq_job.id} {rq_job.get_status(refresh=False).value}" for rq_job in found.given_up)
        record_failure(job.id, lost, JobError(f"RQ gave up on its batches ({ended}) before they were done"), final=True)
        return Recovery(stuck=True)
    todo = [i for i in pending if i not in held]
    if not todo and found.live:
        return Recovery(stuck=False)  # its queued or running batches will finish and count it
    # A batch whose worker died is taken over: deleting it keeps RQ's own clean-up from retrying it as well.
    queue.discard(found.abandoned)
    if todo:
        return Recovery(stuck=True, batches=plan_batches(job, todo, keep=[rq_job.id for rq_job in found.live]))
    refresh_progress(job.id)  # all done, but the last batch's worker died before counting it
    return Recovery(stuck=True)


def orphans() -> list[tuple[JobKind, str, int]]:
    """Targets whose pending items no active job covers, with the kind to launch for each."""
    active = active_jobs()
    return [
        (kind, target_type, target_id)
        for kind in list(KINDS.values())
        if kind.orphans is not None
        for target_type, target_id in kind.orphans(active)
    ]


def mark_running(job_id: int) -> None:
    """Mark a queued job as running; flushes."""
    table = Job.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == job_id, table.c.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=utcnow())
    )


def add_progress(job_id: int, batch_size: int, newly_done: int) -> None:
    """Count a finished batch towards its job; recount exactly when the batch ran before or may be the last;
    flushes."""
    table = Job.__table__
    bumped = table.c.progress + newly_done
    db.session.execute(
        update(table)
        .where(table.c.id == job_id)
        .values(progress=case((bumped > table.c.total, table.c.total), else_=bumped))
    )
    job = get_job(job_id)
    db.session.refresh(job)
    # A short batch means some items were done elsewhere (a re-run, an overlapping job): count them exactly.
    if newly_done < batch_size or job.progress >= job.total:
        refresh_progress(job_id)


def refresh_progress(job_id: int) -> None:
    """Recount the job's progress from its pending items; finished when none remain; flushes."""
    job = get_job(job_id)
    pending = len(kind_of(job).pending(job))
    done = max(job.total - pending, 0)
    table = Job.__table__
    # Concurrent batches may count in any order: progress only grows, and a failed job stays failed.
    values: dict[str, Any] = {"progress": case((table.c.progress > done, table.c.progress), else_=done)}
    if pending == 0:
        values.update(
            status=case((table.c.status == JobStatus.FAILED, JobStatus.FAILED), else_=JobStatus.FINISHED),
            progress=table.c.total,
            finished_at=utcnow(),
        )
    db.session.execute(update(table).where(table.c.id == job_id).values(**values))


def record_failure(job_id: int, item_ids: Sequence[int], error: BaseException, *, final: bool) -> None:
    """Write the error on the Job row; on the last attempt mark the job failed, and the batch's items through the
    kind's `fail`; flushes (the caller has rolled the batch's own writes back)."""
    job = get_job(job_id)
    values: dict[str, Any] = {"error": f"{type(error).__name__}: {error}"[:2000]}
    if final:
        values.update(status=JobStatus.FAILED, finished_at=utcnow())
        kind = kind_of(job)
        if kind.fail is not None:
            kind.fail(job, list(item_ids))
    db.session.execute(update(Job.__table__).where(Job.__table__.c.id == job_id).values(**values))


def summary(jobs: Sequence[Job]) -> str:
    """ "2 tagging job(s)": how many of these jobs each label of the registered kinds has; the labels of kinds the
    sweep launches jobs for (`orphans`) are always named, the others only when they have jobs."""
    counts = {kind.label: 0 for kind in KINDS.values()}
    swept = {kind.label for kind in KINDS.values() if kind.orphans is not None}
    for job in jobs:
        counts[kind_of(job).label] += 1
    return ", ".join(f"{n} {label} job(s)" for label, n in counts.items() if n or label in swept)
