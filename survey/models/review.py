"""The review work's own rows: double coding, the codebook draft being edited, and a draft's preview results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base, utcnow


class DoubleCoding(Base):
    """An answer assigned to two reviewers: their decisions stay apart (and the code's standing proposed) until
    the lead resolves them."""

    __tablename__ = "double_codings"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), unique=True)
    first_reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    second_reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]

    def reviewers(self) -> tuple[int, int]:
        """The two reviewers' ids."""
        return (self.first_reviewer_id, self.second_reviewer_id)

    def __repr__(self) -> str:
        return f"<DoubleCoding answer={self.answer_id} {self.first_reviewer_id}/{self.second_reviewer_id}>"


class CodebookDraft(Base):
    """The codebook being edited for a pledge: the next version's data and the merges and splits that made it,
    until the lead publishes it as a `codebook_versions` row."""

    __tablename__ = "codebook_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"), unique=True)
    base_version_id: Mapped[int] = mapped_column(ForeignKey("codebook_versions.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict[str, Any]]
    # Merges ({"merge": [from, into]}) and splits ({"split": [key, new key]}), applied to reviewed codes at publish.
    changes: Mapped[list[Any]] = mapped_column(default=list)
    revision: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<CodebookDraft pledge={self.pledge_id} r{self.revision}>"


class PreviewRow(Base):
    """One answer tagged by a draft codebook in a preview job: the themes it would gain and lose."""

    __tablename__ = "codebook_preview_rows"
    __table_args__ = (UniqueConstraint("job_id", "answer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    gained: Mapped[list[Any]] = mapped_column(default=list)
    lost: Mapped[list[Any]] = mapped_column(default=list)

    def __repr__(self) -> str:
        return f"<PreviewRow job={self.job_id} answer={self.answer_id}>"
