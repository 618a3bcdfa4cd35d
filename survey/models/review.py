"""Double coding: an answer the lead gives to two reviewers, each deciding its codes blind to the other."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
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
