"""Built syntheses: each build a new version, its PDF kept with its SHA-256 and the data it was built from."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from survey.models.access import User
from survey.models.base import Base, JSONType, utcnow
from survey.models.rounds import Round
from survey.models.states import state_column


class SynthesisKind(StrEnum):
    """What a build counts: reviewed codes only (final, publishable) or unreviewed codes too (draft)."""

    DRAFT = "draft"
    FINAL = "final"


class Synthesis(Base):
    """One build of a round's synthesis: never changed once written, except that a final one may be published."""

    __tablename__ = "syntheses"
    __table_args__ = (UniqueConstraint("round_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    kind: Mapped[SynthesisKind] = mapped_column(state_column(SynthesisKind, 10))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), index=True, unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    # The PDF and the data it was built from (the HTML twin and the CSV are rendered from this snapshot), loaded
    # only when asked for: lists of versions never read them.
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    snapshot: Mapped[dict[str, Any]] = deferred(mapped_column(JSONType, nullable=False))
    built_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    round: Mapped[Round] = relationship()
    built_by: Mapped[User | None] = relationship(foreign_keys=[built_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    @property
    def is_published(self) -> bool:
        """Whether readers can see it on the public page."""
        return self.published_at is not None

    def __repr__(self) -> str:
        return f"<Synthesis round={self.round_id} v{self.version} {self.kind}>"
