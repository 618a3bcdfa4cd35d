"""The pledge, its commitments, the signatory organisations and their contacts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, utcnow

ORGANISATION_KINDS = {
    "nhs_mh_trust": "NHS mental health trust",
    "council": "Council",
    "icb": "Integrated care board or CCG",
    "partnership": "Health and care partnership",
    "vcse": "VCSE organisation",
    "other": "Other",
}


class Pledge(Base):
    """A pledge, charter or framework whose signatories report against fixed commitments."""

    __tablename__ = "pledges"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    commitments: Mapped[list[Commitment]] = relationship(
        back_populates="pledge", order_by="Commitment.number", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Pledge {self.slug}>"


class Commitment(Base):
    """One numbered commitment of a pledge; the number means the same thing in every round."""

    __tablename__ = "commitments"
    __table_args__ = (UniqueConstraint("pledge_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(Text)

    pledge: Mapped[Pledge] = relationship(back_populates="commitments")

    def __repr__(self) -> str:
        return f"<Commitment {self.number}>"


class Organisation(Base):
    """A signatory organisation: an NHS trust, council, ICB, partnership or VCSE organisation."""

    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("pledge_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(200), default="")
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contacts: Mapped[list[Contact]] = relationship(back_populates="organisation", order_by="Contact.id")

    @property
    def kind_label(self) -> str:
        """The organisation type as a person reads it."""
        return ORGANISATION_KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"


# The dashboard's table is ordered by name in any case: its first page walks this index, whatever the number of
# organisations. PostgreSQL only (SQLite, the embedded default for small installations, sorts them).
ORGANISATION_NAME_ORDER = Index(
    "ix_organisations_name_lower", func.lower(Organisation.name), _table=Organisation.__table__
).ddl_if(dialect="postgresql")


class Contact(Base):
    """A person at an organisation who is invited to report and may contribute answers."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320))
    archived_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(back_populates="contacts")

    def __repr__(self) -> str:
        return f"<Contact {self.email}>"
