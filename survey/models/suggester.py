"""Versions of the suggester: a classifier trained on a pledge's reviewed answers, with what it learnt from and how
it did against the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base, utcnow


class ClassifierModel(Base):
    """One trained version of a pledge's suggester: the skops bytes (loaded only after their SHA-256 is checked),
    the training data's summary, per-theme F1 of model and rules on the organisations held out, and the themes it
    may suggest."""

    __tablename__ = "classifier_models"
    __table_args__ = (UniqueConstraint("pledge_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    codebook_version_id: Mapped[int] = mapped_column(
        ForeignKey("codebook_versions.id", ondelete="RESTRICT"), index=True
    )
    # The training job that made it: a re-run of the job finds its model rather than training another.
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), index=True, unique=True)
    trained_at: Mapped[datetime] = mapped_column(default=utcnow)
    # answers, organisations, train and held-out counts, positive examples per theme, seconds taken.
    summary: Mapped[dict[str, Any]]
    # {"themes": {key: {"model": f1, "rules": f1, "support": n}}, "model": {micro...}, "rules": {...}, ...}
    scores: Mapped[dict[str, Any]]
    themes: Mapped[list[Any]]  # the theme keys it may suggest (at least 10 positive examples each)
    suggested: Mapped[int] = mapped_column(default=0)  # answers given suggestions when it was trained
    sha256: Mapped[str] = mapped_column(String(64))
    blob: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    def __repr__(self) -> str:
        return f"<ClassifierModel pledge={self.pledge_id} v{self.version}>"
