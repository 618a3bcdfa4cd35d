"""Codebook versions, their themes, and the codes that attach themes to answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ForeignKey, Index, String, Text, UniqueConstraint, or_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, utcnow
from survey.models.rounds import Answer
from survey.models.states import CodeLevel, CodeSource, CodeStatus, Decision, state_column


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
    source: Mapped[CodeSource] = mapped_column(state_column(CodeSource, 10))
    # The code's standing after review (the reviewers' decisions, resolved); each decision is a CodeDecision.
    status: Mapped[CodeStatus] = mapped_column(state_column(CodeStatus, 10), default=CodeStatus.PROPOSED)
    spans: Mapped[list[Any]] = mapped_column(default=list)
    answer_revision: Mapped[int] = mapped_column(default=1)
    # The machine's score for the code (0..1) and its level: proposed (strong evidence) or possible (weak).
    confidence: Mapped[float | None]
    level: Mapped[CodeLevel] = mapped_column(state_column(CodeLevel, 10), default=CodeLevel.PROPOSED)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped by every decision: a decision names the version its reviewer saw, so a colleague's is never lost.
    review_version: Mapped[int] = mapped_column(default=0, server_default="0")

    answer: Mapped[Answer] = relationship()
    theme: Mapped[Theme] = relationship()
    decisions: Mapped[list[CodeDecision]] = relationship(back_populates="code", order_by="CodeDecision.id")

    @hybrid_property
    def is_reviewed(self) -> bool:
        """Whether a person has decided on this code or added it: automatic re-coding must leave it alone."""
        return self.source == CodeSource.REVIEWER or self.status != CodeStatus.PROPOSED

    @is_reviewed.inplace.expression
    @classmethod
    def _is_reviewed_expression(cls) -> ColumnElement[bool]:
        return or_(cls.source == CodeSource.REVIEWER, cls.status != CodeStatus.PROPOSED)

    def __repr__(self) -> str:
        return f"<Code answer={self.answer_id} {self.theme_key} {self.source}/{self.status}>"


class CodeDecision(Base):
    """One reviewer's decision on one code: several reviewers decide the same code without overwriting each other
    (double coding, agreement between them)."""

    __tablename__ = "code_decisions"
    __table_args__ = (UniqueConstraint("code_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    decision: Mapped[Decision] = mapped_column(state_column(Decision, 10))
    # The code's standing before this decision (`decision` is the after): undo restores it.
    before: Mapped[CodeStatus] = mapped_column(state_column(CodeStatus, 10), default=CodeStatus.PROPOSED)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    code: Mapped[Code] = relationship(back_populates="decisions")

    def __repr__(self) -> str:
        return f"<CodeDecision code={self.code_id} reviewer={self.reviewer_id} {self.decision}>"


class AnswerReview(Base):
    """A reviewer marked an answer's codes as reviewed: the answer then counts in the agreement figures and, once
    every code on it is decided, in a published synthesis. One row per answer and reviewer (double coding)."""

    __tablename__ = "answer_reviews"
    __table_args__ = (UniqueConstraint("answer_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<AnswerReview answer={self.answer_id} reviewer={self.reviewer_id}>"
