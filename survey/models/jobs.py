"""Background jobs as rows, so a page can show progress and a launch can be refused as a duplicate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base, utcnow
from survey.models.states import JobStatus, state_column


class Job(Base):
    """One launched background job: its kind, its target, status and progress."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_kind_target", "kind", "target_type", "target_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None]
    status: Mapped[JobStatus] = mapped_column(state_column(JobStatus, 10), default=JobStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def percent(self) -> int:
        """Progress as a whole percentage."""
        return 100 if self.status == JobStatus.FINISHED else (100 * self.progress // self.total if self.total else 0)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status}>"
