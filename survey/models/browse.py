"""The review data's version: one row whose number goes up after every commit that changes what the review list
counts (answers, responses, organisations, codes, decisions, reviews), so cached counts know when they are stale."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base


class BrowseVersion(Base):
    """The one row (id 1) of the review data's version; made by the first bump with a random token, so a database
    made again (the tests) is never mistaken for the one a process cached counts of."""

    __tablename__ = "browse_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    token: Mapped[str] = mapped_column(String(32))
