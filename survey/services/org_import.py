"""Importing organisations and contacts: read a file into a preview, say exactly which row and column is wrong, and
apply every row in one transaction or none. Re-importing the same file changes nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select

from survey.extensions import db
from survey.models import Contact, ImportStatus, Organisation, OrganisationImport, utcnow
from survey.services import audit, orgfile
from survey.services.organisations import ContactValues, OrganisationValues, clean_contact, clean_organisation, name_key

NEW_ORGANISATION = "New organisation"
NEW_CONTACT = "New contact"
UPDATED = "Changes"
UNCHANGED = "Already there"
PROBLEM = "Problem"
_CONTACT_FIELDS = {"name": "contact_name", "role": "contact_role", "email": "contact_email"}
_ORG_FIELDS = {"name": "name", "kind": "kind", "region": "region"}


class ImportRefused(ValueError):
    """An import cannot be applied (it has problems, or was applied or discarded already)."""


@dataclass
class PlannedRow:
    """What one row of the file will do, and what is wrong with it (column key, message)."""

    number: int
    values: dict[str, str]
    outcome: str = ""
    changes: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Plan:
    """The preview of an import: every row's outcome, counts, and problems by column."""

    rows: list[PlannedRow]

    @property
    def problem_rows(self) -> list[PlannedRow]:
        """The rows that stop the import."""
        return [r for r in self.rows if r.problems]

    def ordered_rows(self) -> list[PlannedRow]:
        """The rows as the preview lists them: problems first, then changes, new rows and rows already there,
        each in the file's order."""
        rank = {UPDATED: 1, UNCHANGED: 3}
        return sorted(self.rows, key=lambda r: (0 if r.problems else rank.get(r.outcome, 2), r.number))

    @property
    def counts(self) -> Counter[str]:
        """How many rows have each outcome."""
        return Counter(r.outcome for r in self.rows)

    @property
    def by_column(self) -> list[tuple[str, int]]:
        """Each column with problems (a label) and how many rows have one there."""
        counted = Counter(key for r in self.rows for key in {k for k, _ in r.problems})
        return [(orgfile.LABELS.get(k, "Whole row"), n) for k, n in sorted(counted.items(), key=lambda kv: kv[0])]


def upload(pledge_id: int, data: bytes, filename: str, *, user_id: int) -> OrganisationImport:
    """Read a file into a new import kept for preview; orgfile.FileProblem when the file cannot be read. Flushes."""
    read = orgfile.read(data, filename)
    if not read:
        raise orgfile.FileProblem("The file has a header row but no organisations under it.")
    rows = [{"row": r.number, **r.values, "problems": [list(p) for p in r.problems]} for r in read]
    imp = OrganisationImport(pledge_id=pledge_id, user_id=user_id, filename=filename[:255], rows=rows)
    db.session.add(imp)
    db.session.flush()
    return imp


class _Directory:
    """The pledge's organisations and contacts as the planner compares them: two queries for the whole file."""

    def __init__(self, pledge_id: int) -> None:
        orgs = db.session.scalars(select(Organisation).where(Organisation.pledge_id == pledge_id)).all()
        self.orgs = {name_key(o.name): o for o in orgs}
        contacts = db.session.scalars(
            select(Contact).join(Organisation).where(Organisation.pledge_id == pledge_id)
        ).all()
        self.contacts = {(c.organisation_id, c.email.lower()): c for c in contacts}


def plan(imp: OrganisationImport) -> Plan:
    """What applying the import would do now, row by row, checked against the file itself and the database."""
    directory = _Directory(imp.pledge_id)
    first_org: dict[str, PlannedRow] = {}
    first_contact: dict[tuple[str, str], int] = {}
    rows = []
    for raw in imp.rows:
        row = PlannedRow(
            raw["row"], {k: raw.get(k, "") for k, _ in orgfile.COLUMNS}, problems=[tuple(p) for p in raw["problems"]]
        )
        _plan_row(row, directory, first_org, first_contact)
        rows.append(row)
    return Plan(rows)


def _plan_row(
    row: PlannedRow, directory: _Directory, first_org: dict[str, PlannedRow], first_contact: dict[tuple[str, str], int]
) -> None:
    v = row.values
    org_values, org_problems = clean_organisation(OrganisationValues(v["name"], v["kind"], v["region"]))
    row.problems += [(_ORG_FIELDS[k], m) for k, m in org_problems.items()]
    contact = None
    if any(v[k] for k in _CONTACT_FIELDS.values()):
        contact, contact_problems = clean_contact(
            ContactValues(v["contact_name"], v["contact_role"], v["contact_email"])
        )
        row.problems += [(_CONTACT_FIELDS[k], m) for k, m in contact_problems.items()]
    key = name_key(org_values.name)
    earlier = first_org.get(key)
    if earlier is None:
        first_org[key] = row
    elif "name" not in org_problems:
        for column in ("kind", "region"):
            if name_key(getattr(org_values, column)) != name_key(_cleaned(earlier, column)):
                row.problems.append((column, f"differs from row {earlier.number} for the same organisation"))
    if contact is not None and contact.email and "email" not in contact_problems:
        seen = first_contact.setdefault((key, contact.email.lower()), row.number)
        if seen != row.number:
            row.problems.append(("contact_email", f"repeats row {seen}: the same contact of the same organisation"))
    row.values.update(name=org_values.name, kind=org_values.kind, region=org_values.region)
    if contact is not None:
        row.values.update(contact_name=contact.name, contact_role=contact.role, contact_email=contact.email)
    if row.problems:
        row.outcome = PROBLEM
        return
    _outcome(row, directory, org_values, contact, first=earlier is None)


def _cleaned(row: PlannedRow, column: str) -> str:
    return row.values[column]


def _differences(*fields: tuple[str, str, str]) -> list[str]:
    """“Label: “old” → “new”” for each field whose value changes."""
    return [f"{label}: “{old}” → “{new}”" for label, old, new in fields if old != new]


def _outcome(
    row: PlannedRow,
    directory: _Directory,
    org_values: OrganisationValues,
    contact: ContactValues | None,
    *,
    first: bool,
) -> None:
    """New, changed or unchanged, compared with what the database holds."""
    org = directory.orgs.get(name_key(org_values.name))
    if org is None:
        row.outcome = NEW_ORGANISATION if first else NEW_CONTACT
        return
    if first:
        row.changes += _differences(
            ("Name", org.name, org_values.name), ("Type", org.kind, org_values.kind),
            ("Region", org.region, org_values.region),
        )  # fmt: skip
        if org.archived_at is not None:
            row.changes.append("Archived: brought back")
    existing = directory.contacts.get((org.id, contact.email.lower())) if contact else None
    if contact is not None and existing is None:
        row.outcome = NEW_CONTACT
        return
    if contact is not None and existing is not None:
        row.changes += _differences(
            ("Contact name", existing.name, contact.name), ("Contact role", existing.role, contact.role)
        )
        if existing.archived_at is not None:
            row.changes.append("Contact archived: brought back")
    row.outcome = UPDATED if row.changes else UNCHANGED


def apply(imp: OrganisationImport, *, actor_id: int) -> dict[str, int]:
    """Apply every row of a previewed import in the caller's transaction, or refuse it whole. Flushes."""
    if imp.status != ImportStatus.PREVIEW:
        raise ImportRefused(f"This import was {imp.status.value} already: upload the file again to import it.")
    result = plan(imp)
    if result.problem_rows:
        raise ImportRefused(f"{len(result.problem_rows):,} rows have problems: nothing was imported.")
    directory = _Directory(imp.pledge_id)
    org_ids = _apply_organisations(imp.pledge_id, result, directory)
    _apply_contacts(result, directory, org_ids)
    counts = {k: v for k, v in result.counts.items()}
    imp.status, imp.applied_at, imp.summary = ImportStatus.APPLIED, utcnow(), counts
    audit.record(
        "organisation.import_applied", actor_type="user", actor_id=actor_id, target_type="organisation_import",
        target_id=imp.id, summary=imp.filename, **{k.lower().replace(" ", "_"): v for k, v in counts.items()},
    )  # fmt: skip
    db.session.flush()
    return counts


def _apply_organisations(pledge_id: int, result: Plan, directory: _Directory) -> dict[str, int]:
    """Insert the new organisations in one statement and update the changed ones; their ids by name key."""
    ids = {key: org.id for key, org in directory.orgs.items()}
    new: dict[str, dict[str, Any]] = {}
    for row in result.rows:
        key, v = name_key(row.values["name"]), row.values
        org = directory.orgs.get(key)
        if org is None:
            new.setdefault(key, {"pledge_id": pledge_id, "name": v["name"], "kind": v["kind"], "region": v["region"]})
        elif row.changes:
            org.name, org.kind, org.region, org.archived_at = v["name"], v["kind"], v["region"], None
    if new:
        created = db.session.execute(
            insert(Organisation).returning(Organisation.id, Organisation.name, sort_by_parameter_order=True),
            [{**values, "created_at": utcnow()} for values in new.values()],
        )
        ids.update({name_key(name): org_id for org_id, name in created})
    return ids


def _apply_contacts(result: Plan, directory: _Directory, org_ids: dict[str, int]) -> None:
    """Insert the new contacts in one statement and update the changed ones."""
    new = []
    for row in result.rows:
        v = row.values
        if not v["contact_email"]:
            continue
        org_id = org_ids[name_key(v["name"])]
        existing = directory.contacts.get((org_id, v["contact_email"].lower()))
        if existing is None:
            new.append(
                {
                    "organisation_id": org_id,
                    "name": v["contact_name"],
                    "role": v["contact_role"],
                    "email": v["contact_email"],
                }
            )
        elif row.changes:
            existing.name, existing.role, existing.archived_at = v["contact_name"], v["contact_role"], None
    if new:
        db.session.execute(insert(Contact), new)


def discard(imp: OrganisationImport) -> None:
    """Drop a previewed import: nothing was changed, and it can no longer be applied."""
    if imp.status == ImportStatus.PREVIEW:
        imp.status = ImportStatus.DISCARDED
        imp.rows = []
    db.session.flush()
