"""Codebook versions in the database: seeding the starting codebook, adding versions, finding the current one."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from nlp.codebook import DEFAULT_CODEBOOK_PATH, Codebook
from survey.extensions import db
from survey.models import CodebookVersion, Pledge, Theme


def ensure_starting_codebook(pledge: Pledge) -> CodebookVersion:
    """Return the pledge's first codebook version, seeding it from nlp/data/codebook.json if missing; flushes."""
    found = db.session.scalar(
        select(CodebookVersion).where(CodebookVersion.pledge_id == pledge.id).order_by(CodebookVersion.version)
    )
    if found is not None:
        return found
    # Stored as shipped, without `load_codebook`: checking its Matcher patterns imports spaCy, which a web process
    # seeding it at a first submission must not load. The file is already in the validated form (a test says so),
    # and a tagging process validates what it reads when it builds the pipeline.
    return _add_version_data(pledge.id, json.loads(DEFAULT_CODEBOOK_PATH.read_text(encoding="utf-8")))


def add_version(pledge_id: int, codebook: Codebook) -> CodebookVersion:
    """Store a codebook as the pledge's next version, with one Theme row per theme; flushes."""
    return _add_version_data(pledge_id, codebook.to_dict())


def add_version_data(pledge_id: int, data: dict[str, Any]) -> CodebookVersion:
    """Store an already checked codebook's JSON form as the pledge's next version (the editor's publish); flushes."""
    return _add_version_data(pledge_id, data)


def _add_version_data(pledge_id: int, data: dict[str, Any]) -> CodebookVersion:
    """Store a codebook's JSON form as the pledge's next version, with one Theme row per theme; flushes."""
    latest = db.session.scalar(select(func.max(CodebookVersion.version)).where(CodebookVersion.pledge_id == pledge_id))
    data = {**data, "version": (latest or 0) + 1}
    version = CodebookVersion(pledge_id=pledge_id, version=data["version"], name=data["name"], data=data)
    version.themes = [
        Theme(key=t["key"], name=t["name"], description=t.get("description", ""), position=i)
        for i, t in enumerate(data["themes"])
    ]
    db.session.add(version)
    db.session.flush()
    return version


def current_version(pledge_id: int) -> CodebookVersion | None:
    """The pledge's newest codebook version, or None when it has none."""
    return db.session.scalar(
        select(CodebookVersion)
        .where(CodebookVersion.pledge_id == pledge_id)
        .order_by(CodebookVersion.version.desc())
        .limit(1)
    )


def current_version_id(pledge_id: int) -> int:
    """The id of the pledge's newest codebook version, seeding the starting codebook when there is none (flushes)."""
    version = current_version(pledge_id)
    if version is None:
        pledge = db.session.get(Pledge, pledge_id)
        if pledge is None:
            raise LookupError(f"pledge {pledge_id} does not exist")
        version = ensure_starting_codebook(pledge)
    return version.id


def as_codebook(version: CodebookVersion) -> Codebook:
    """The stored version as an `nlp` Codebook, ready to build a pipeline from."""
    return Codebook.from_dict(version.data)


def theme_ids(version_id: int) -> dict[str, int]:
    """Theme ids of a codebook version keyed by theme key."""
    rows = db.session.execute(select(Theme.key, Theme.id).where(Theme.codebook_version_id == version_id))
    return {key: theme_id for key, theme_id in rows}
