"""Syntheses as stored versions: build one (gather → PDF, with its SHA-256 and data snapshot), publish one, list
them; and the "synthesis" and "synthesis-draft" job kinds that build on the house's job lifecycle."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import types
import typing
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, undefer

from survey.extensions import db
from survey.models import Job, Round, Synthesis, SynthesisKind, utcnow
from survey.rates import SMALL_COUNT_RULE, ZERO_COUNT_RULE
from survey.reports import data as d
from survey.reports.figures import figures_csv
from survey.reports.gather import SynthesisError, gather
from survey.reports.pdf_synthesis import build_synthesis
from survey.services import audit
from survey.services import jobs as lifecycle
from survey.services.jobs import JobKind

QUEUE = "default"
# The rate-ratio rules, stated under the figures wherever they are shown.
RATE_RULES = f"{SMALL_COUNT_RULE} {ZERO_COUNT_RULE}"


class PublishError(ValueError):
    """A synthesis cannot be published as asked, with the reason in words."""


def render(round_id: int, *, draft: bool) -> tuple[d.SynthesisData, bytes]:
    """Gather a round's data and lay the PDF out in memory."""
    data = gather(round_id, draft=draft)
    out = io.BytesIO()
    build_synthesis(data, out)
    return data, out.getvalue()


def build(
    round_id: int, kind: SynthesisKind, *, built_by_id: int | None = None, job_id: int | None = None
) -> Synthesis:
    """Build and store a new version of the round's synthesis (never overwriting an earlier one); flushes."""
    data, pdf = render(round_id, draft=kind == SynthesisKind.DRAFT)
    version = (db.session.scalar(select(func.max(Synthesis.version)).where(Synthesis.round_id == round_id)) or 0) + 1
    synthesis = Synthesis(
        round_id=round_id,
        version=version,
        kind=kind,
        job_id=job_id,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        pdf=pdf,
        snapshot=data.snapshot(),
        built_by_id=built_by_id,
    )
    db.session.add(synthesis)
    db.session.flush()
    return synthesis


def publish(synthesis: Synthesis, user_id: int) -> None:
    """Publish a final build (a draft counts unreviewed codes and never is); publishing twice changes nothing."""
    if synthesis.kind != SynthesisKind.FINAL:
        raise PublishError(
            "A draft counts codes nobody has reviewed and cannot be published: build the synthesis for publication "
            "(reviewed codes only) and publish that."
        )
    if synthesis.published_at is None:
        synthesis.published_at = utcnow()
        synthesis.published_by_id = user_id
        audit.record("synthesis.published", actor_type="user", actor_id=user_id, target_type="synthesis",
                     target_id=synthesis.id, summary=f"{synthesis.round.name}, version {synthesis.version}",
                     sha256=synthesis.sha256)  # fmt: skip
        db.session.flush()


def versions(round_id: int) -> list[Synthesis]:
    """A round's builds, newest first (without their PDFs)."""
    query = (
        select(Synthesis)
        .options(joinedload(Synthesis.built_by), joinedload(Synthesis.published_by))
        .where(Synthesis.round_id == round_id)
        .order_by(Synthesis.version.desc())
    )
    return list(db.session.scalars(query))


def published() -> list[Synthesis]:
    """Every published synthesis, newest round and version first."""
    query = (
        select(Synthesis)
        .join(Round, Round.id == Synthesis.round_id)
        .where(Synthesis.published_at.is_not(None))
        .order_by(Round.number.desc(), Synthesis.version.desc())
    )
    return list(db.session.scalars(query))


def with_content(synthesis_id: int) -> Synthesis | None:
    """A synthesis with its PDF and snapshot loaded."""
    return db.session.scalar(
        select(Synthesis)
        .options(undefer(Synthesis.pdf), undefer(Synthesis.snapshot))
        .where(Synthesis.id == synthesis_id)
    )


def _load(kind: Any, value: Any) -> Any:
    """A value of a dataclass field's type rebuilt from its JSON form."""
    origin = typing.get_origin(kind)
    if dataclasses.is_dataclass(kind) and isinstance(value, dict):
        hints = typing.get_type_hints(kind)
        return kind(**{f.name: _load(hints[f.name], value[f.name]) for f in dataclasses.fields(kind)})
    if origin is tuple and isinstance(value, list | tuple):
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_load(args[0], v) for v in value)
        return tuple(_load(a, v) for a, v in zip(args, value, strict=True))
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(kind) if a is not type(None)]
        return None if value is None else _load(inner[0], value)
    return value


def from_snapshot(snapshot: dict[str, Any]) -> d.SynthesisData:
    """The synthesis data a stored version was built from (its HTML twin and CSV are rendered from this)."""
    return _load(d.SynthesisData, snapshot)


# The job kinds: one item (the round), so the Job row's progress reads 0 then 1 and its page offers the download.


def _pending(job: Job) -> list[int]:
    """The round, until this job has stored its synthesis."""
    done = db.session.scalar(select(Synthesis.id).where(Synthesis.job_id == job.id))
    return [] if done is not None or job.target_id is None else [job.target_id]


def _run_for(kind: SynthesisKind) -> typing.Callable[[Job, list[int]], int]:
    def run(job: Job, round_ids: list[int]) -> int:
        """Build the synthesis, once: a re-run after the write finds it done."""
        if not _pending(job):
            return 0
        build(round_ids[0], kind, built_by_id=job.params.get("user_id"), job_id=job.id)
        return 1

    return run


def _check(job: Job) -> None:
    """Refuse a job for a round that does not exist."""
    if job.target_type != "round" or db.session.get(Round, job.target_id) is None:
        raise SynthesisError(f"{job.target_type} {job.target_id} is not a round")


BUILD = lifecycle.register(
    JobKind(
        "synthesis",
        pending=_pending,
        run=_run_for(SynthesisKind.FINAL),
        queue=QUEUE,
        batch_size=1,
        begin=_check,
        label="synthesis",
    )
)
BUILD_DRAFT = lifecycle.register(replace(BUILD, name="synthesis-draft", run=_run_for(SynthesisKind.DRAFT)))


def kind_for(kind: SynthesisKind) -> JobKind:
    """The job kind that builds this kind of synthesis."""
    return BUILD_DRAFT if kind == SynthesisKind.DRAFT else BUILD


def job_synthesis(job_id: int) -> Synthesis | None:
    """The synthesis a build job stored, once it has."""
    return db.session.scalar(select(Synthesis).where(Synthesis.job_id == job_id))


def filename(synthesis: Synthesis, extension: str) -> str:
    """ "synthesis-round-5-v3.pdf" (a draft says so)."""
    draft = "-draft" if synthesis.kind == SynthesisKind.DRAFT else ""
    return f"synthesis-round-{synthesis.round.number}-v{synthesis.version}{draft}.{extension}"


def figures(synthesis: Synthesis) -> str:
    """A stored version's figures as CSV text."""
    out = io.StringIO()
    figures_csv(from_snapshot(synthesis.snapshot), out)
    return out.getvalue()
