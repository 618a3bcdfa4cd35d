"""Signatory organisations and their contacts: list, add, edit, archive; the rules forms and imports share."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from survey.extensions import db
from survey.models import ORGANISATION_KINDS, Contact, Organisation, utcnow
from survey.services import audit
from survey.validate import ValidationError, check_email, check_not_formula, choose


def name_key(name: str) -> str:
    """How two organisation names are compared: case and spacing ignored."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class OrganisationValues:
    """An organisation's fields as a person gives them."""

    name: str
    kind: str
    region: str


@dataclass(frozen=True)
class ContactValues:
    """A contact's fields as a person gives them."""

    name: str
    role: str
    email: str


def clean_organisation(raw: OrganisationValues) -> tuple[OrganisationValues, dict[str, str]]:
    """The values checked and normalised, and a message per field that breaks a rule."""
    problems: dict[str, str] = {}
    name = " ".join(raw.name.split())
    kind = raw.kind
    if not name:
        problems["name"] = "Enter the organisation's name"
    else:
        _check(problems, "name", lambda: check_not_formula(name, "The name"))
    try:
        kind = choose(raw.kind, ORGANISATION_KINDS, "The type") if raw.kind.strip() else ""
    except ValidationError as exc:
        problems["kind"] = str(exc)
    if not kind and "kind" not in problems:
        problems["kind"] = "Choose the type of organisation"
    region = " ".join(raw.region.split())
    _check(problems, "region", lambda: check_not_formula(region, "The region"))
    return OrganisationValues(name, kind, region), problems


def clean_contact(raw: ContactValues) -> tuple[ContactValues, dict[str, str]]:
    """The contact's values checked and normalised (e-mail domain lower-cased), and a message per field."""
    problems: dict[str, str] = {}
    name, role, email = (" ".join(v.split()) for v in (raw.name, raw.role, raw.email))
    if not name:
        problems["name"] = "Enter the contact's name"
    if not email:
        problems["email"] = "Enter the contact's e-mail address"
    else:
        try:
            email = check_email(email, "The e-mail address")
        except ValidationError as exc:
            problems["email"] = str(exc)
    for key, value, label in (("name", name, "The name"), ("role", role, "The role")):
        if value and key not in problems:
            _check(problems, key, lambda v=value, lbl=label: check_not_formula(v, lbl))
    return ContactValues(name, role, email), problems


def _check(problems: dict[str, str], key: str, rule: object) -> None:
    try:
        rule()  # type: ignore[operator]
    except ValidationError as exc:
        problems[key] = str(exc)


def listing(pledge_id: int, *, search: str = "", archived: bool = False) -> list[Organisation]:
    """The pledge's organisations with their contacts, by name; archived ones only when asked."""
    query = (
        select(Organisation)
        .where(Organisation.pledge_id == pledge_id)
        .options(selectinload(Organisation.contacts))
        .order_by(Organisation.name)
    )
    query = query.where(Organisation.archived_at.is_not(None) if archived else Organisation.archived_at.is_(None))
    if search:
        needle = f"%{search.casefold()}%"
        contact_match = select(Contact.organisation_id).where(
            or_(func.lower(Contact.name).like(needle), func.lower(Contact.email).like(needle))
        )
        query = query.where(
            or_(func.lower(Organisation.name).like(needle), func.lower(Organisation.region).like(needle),
                Organisation.id.in_(contact_match))
        )  # fmt: skip
    return list(db.session.scalars(query))


def find_by_name(pledge_id: int, name: str, *, other_than: int | None = None) -> Organisation | None:
    """The pledge's organisation with this name (case and spacing ignored)."""
    for org in db.session.scalars(select(Organisation).where(Organisation.pledge_id == pledge_id)):
        if name_key(org.name) == name_key(name) and org.id != other_than:
            return org
    return None


def save_organisation(
    pledge_id: int, values: OrganisationValues, *, actor_id: int, org: Organisation | None = None
) -> Organisation:
    """Add an organisation, or change one (audited); the name must be new to the pledge. Flushes."""
    if find_by_name(pledge_id, values.name, other_than=org.id if org else None):
        raise ValidationError(f"There is already an organisation called “{values.name}”")
    if org is None:
        org = Organisation(pledge_id=pledge_id, name=values.name, kind=values.kind, region=values.region)
        db.session.add(org)
        db.session.flush()
        action = "organisation.created"
    else:
        org.name, org.kind, org.region = values.name, values.kind, values.region
        action = "organisation.changed"
    audit.record(
        action, actor_type="user", actor_id=actor_id, target_type="organisation", target_id=org.id, summary=org.name
    )
    db.session.flush()
    return org


def set_archived(org: Organisation, archived: bool, *, actor_id: int) -> None:
    """Archive an organisation (it is no longer expected in new rounds; its reports stay) or bring it back."""
    org.archived_at = utcnow() if archived else None
    audit.record(
        "organisation.archived" if archived else "organisation.restored",
        actor_type="user", actor_id=actor_id, target_type="organisation", target_id=org.id, summary=org.name,
    )  # fmt: skip
    db.session.flush()


def save_contact(org: Organisation, values: ContactValues, *, actor_id: int, contact: Contact | None = None) -> Contact:
    """Add a contact to an organisation, or change one (audited); an e-mail address appears once per organisation."""
    clash = db.session.scalar(
        select(Contact.id).where(Contact.organisation_id == org.id, func.lower(Contact.email) == values.email.lower())
    )
    if clash is not None and (contact is None or clash != contact.id):
        raise ValidationError(f"{values.email} is already a contact of {org.name}")
    if contact is None:
        contact = Contact(organisation_id=org.id, name=values.name, role=values.role, email=values.email)
        db.session.add(contact)
        db.session.flush()
    else:
        contact.name, contact.role, contact.email = values.name, values.role, values.email
    audit.record(
        "organisation.contact_saved", actor_type="user", actor_id=actor_id, target_type="contact",
        target_id=contact.id, summary=f"{values.name} <{values.email}> at {org.name}",
    )  # fmt: skip
    db.session.flush()
    return contact


def set_contact_archived(contact: Contact, archived: bool, *, actor_id: int) -> None:
    """Archive a contact (no more invitations) or bring them back; audited."""
    contact.archived_at = utcnow() if archived else None
    audit.record(
        "organisation.contact_archived" if archived else "organisation.contact_restored",
        actor_type="user", actor_id=actor_id, target_type="contact", target_id=contact.id, summary=contact.email,
    )  # fmt: skip
    db.session.flush()


def export_rows(pledge_id: int) -> list[dict[str, str]]:
    """The current organisations and contacts as file rows (one per contact; an organisation without contacts
    gets one row of its own), the format the importer reads."""
    rows = []
    for org in listing(pledge_id):
        base = {"name": org.name, "kind": org.kind_label, "region": org.region}
        contacts = [c for c in org.contacts if c.archived_at is None]
        rows.extend(
            [{**base, "contact_name": c.name, "contact_role": c.role, "contact_email": c.email} for c in contacts]
            or [base]
        )
    return rows
