"""Codebook versions, their themes, and the codes that attach themes to answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, utcnow
from survey.models.rounds import Answer

CODE_SOURCES = ("rule", "reviewer", "model")
CODE_STATUSES = ("proposed", "accepted", "rejected")


class CodebookVersion(Base):
    """A frozen codebook: the themes and their match patterns, as `nlp.codebook.Codebook` data."""

    __tablename__ = "codebook_versions"
    __table_args__ = (UniqueConstraint("pledge_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    themes: Mapped[list[Theme]] = relationship(back_populates="codebook", order_by="Theme.position")

    def __repr__(self) -> str:
        return f"<CodebookVersion {self.version}>"


class Theme(Base):
    """One theme of one codebook version; `key` identifies the same theme across versions."""

    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("codebook_version_id", "key"), UniqueConstraint("codebook_version_id", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    codebook_version_id: Mapped[int] = mapped_column(ForeignKey("codebook_versions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    codebook: Mapped[CodebookVersion] = relationship(back_populates="themes")

    def __repr__(self) -> str:
        return f"<Theme {self.key}>"


class Code(Base):
    """A theme attached to an answer, with the character spans that justify it.

    Spans are a JSON list of [start, end] pairs: one row per answer and theme keeps re-tagging 100,000 answers
    to a few bulk writes, and the quoted text is always `answer.text[start:end]`.
    """

    __tablename__ = "codes"
    __table_args__ = (
        UniqueConstraint("answer_id", "theme_key", "source"),
        Index("ix_codes_theme_status", "theme_key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="RESTRICT"), index=True)
    theme_key: Mapped[str] = mapped_column(String(80))
    codebook_version_id: Mapped[int] = mapped_column(
        ForeignKey("codebook_versions.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    spans: Mapped[list[Any]] = mapped_column(default=list)
    answer_revision: Mapped[int] = mapped_column(default=1)
    confidence: Mapped[float | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reviewed_at: Mapped[datetime | None]

    answer: Mapped[Answer] = relationship()
    theme: Mapped[Theme] = relationship()

    @property
    def is_reviewed(self) -> bool:
        """Whether a person has decided on this code (automatic re-tagging must leave it alone)."""
        return self.source == "reviewer" or self.status != "proposed"

    def __repr__(self) -> str:
        return f"<Code answer={self.answer_id} {self.theme_key} {self.source}/{self.status}>"
