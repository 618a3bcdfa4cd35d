"""Imports of organisations and contacts: the rows read from an uploaded file, kept until the lead applies them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base, JSONType, utcnow
from survey.models.states import state_column


class ImportStatus(StrEnum):
    """An import's life: previewed, then applied (all rows in one transaction) or discarded."""

    PREVIEW = "preview"
    APPLIED = "applied"
    DISCARDED = "discarded"


class OrganisationImport(Base):
    """An uploaded file of organisations and contacts, read into rows; nothing changes until it is applied."""

    __tablename__ = "organisation_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    # [{"row": file row number, "name", "kind", "region", "contact_name", "contact_role", "contact_email",
    #   "problems": [[column, message], ...]}]: values as read, problems found in the file itself.
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    status: Mapped[ImportStatus] = mapped_column(state_column(ImportStatus, 10), default=ImportStatus.PREVIEW)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None]
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    def __repr__(self) -> str:
        return f"<OrganisationImport {self.id} {self.filename!r} {self.status}>"
