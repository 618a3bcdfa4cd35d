"""Codes: the themes attached to answers, written by the codebook's rules, the classifier and reviewers.

A machine source (rule, model) re-codes answers by replacing its own proposed codes; a code a person has reviewed
(`Code.is_reviewed`: decided on, or added by a reviewer) is never touched by it. That rule is `_REPLACEABLE`,
written once and used by every statement below.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Text, cast, column, delete, not_, select
from sqlalchemy import table as table_clause
from sqlalchemy.dialects import postgresql, sqlite

from survey.extensions import db
from survey.models import Code, utcnow
from survey.models.states import CodeLevel, CodeSource, CodeStatus

MACHINE_SOURCES = (CodeSource.RULE, CodeSource.MODEL)
# What machine re-coding may replace or delete: a code nobody has reviewed.
_REPLACEABLE = not_(Code.is_reviewed)

_ROW_COLUMNS = (
    "answer_id",
    "theme_id",
    "theme_key",
    "codebook_version_id",
    "source",
    "status",
    "spans",
    "answer_revision",
    "confidence",
    "level",
    "note",
    "created_at",
)
# Columns a re-coding rewrites on a code it finds again.
_CHANGED = ("theme_id", "codebook_version_id", "spans", "answer_revision", "confidence", "level")
# PostgreSQL receives a batch's code rows by COPY into this per-connection table, then upserts them in one
# statement: one statement per row cost more than tagging the batch.
_STAGING = "code_rows_staging"
_STAGING_DDL = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} (answer_id integer, theme_id integer, theme_key varchar(80),"
    " codebook_version_id integer, source varchar(10), status varchar(10), spans jsonb, answer_revision integer,"
    " confidence double precision, level varchar(10), note text, created_at timestamp) ON COMMIT DELETE ROWS"
)


def replaceable_codes(answer_ids: Sequence[int], source: CodeSource | str) -> list[Row[Any]]:
    """The codes of these answers that re-coding from `source` may replace: its own, unreviewed (spans as JSON
    text, to compare without decoding)."""
    table = Code.__table__
    # Filter by answer only, so the planner always takes the answer_id index; source and review are checked here.
    rows = db.session.execute(
        select(
            table.c.id,
            table.c.answer_id,
            table.c.theme_key,
            table.c.theme_id,
            table.c.codebook_version_id,
            cast(table.c.spans, Text).label("spans_json"),
            table.c.answer_revision,
            table.c.confidence,
            table.c.level,
            table.c.source,
            _REPLACEABLE.label("replaceable"),
        ).where(table.c.answer_id.in_(answer_ids))
    ).all()
    return [row for row in rows if row.source == source and row.replaceable]


def write_codes(rows: list[dict[str, Any]], *, source: CodeSource | str, answer_ids: Sequence[int]) -> None:
    """Make `rows` the `source` codes of these answers (one row per answer and theme found: answer_id, theme_id,
    theme_key, codebook_version_id, spans, answer_revision, optionally confidence and level); flushes.

    Codes of that source no longer found are deleted, new and changed ones upserted as proposed, unchanged ones
    left alone (running a batch twice touches nothing), and reviewed codes are never touched.
    """
    source = CodeSource(source)
    if source not in MACHINE_SOURCES:
        raise ValueError(f"{source} codes are not written by re-coding")
    current = {(e.answer_id, e.theme_key): e for e in replaceable_codes(answer_ids, source)}
    wanted = {(r["answer_id"], r["theme_key"]) for r in rows}
    stale = [e.id for key, e in current.items() if key not in wanted]
    if stale:
        table = Code.__table__
        # The rule again: a reviewer may have decided on one of these since it was read.
        db.session.execute(delete(table).where(table.c.id.in_(stale), _REPLACEABLE))
    changed = [r for r in rows if not _same(current.get((r["answer_id"], r["theme_key"])), r)]
    if changed:
        now = utcnow()
        for row in changed:
            row.update(source=source.value, status=CodeStatus.PROPOSED.value)
            row.setdefault("confidence", None)
            row.setdefault("level", CodeLevel.PROPOSED.value)
            row.setdefault("note", "")
            row.setdefault("created_at", now)
        _upsert_rows(changed)


def _same(existing: Any, row: dict[str, Any]) -> bool:
    """Whether a stored code already says what the new row says (spans compared as JSON text)."""
    # Comparing text skips decoding thousands of JSON values; a formatting difference only costs a rewrite.
    return (
        existing is not None
        and (existing.theme_id, existing.codebook_version_id, existing.answer_revision, existing.confidence)
        == (row["theme_id"], row["codebook_version_id"], row["answer_revision"], row.get("confidence"))
        and existing.level == row.get("level", CodeLevel.PROPOSED)
        and (existing.spans_json.replace(" ", "") == json.dumps(row["spans"], separators=(",", ":")))
    )


def _upsert(dialect: Any, rows_from: Any = None) -> Any:
    """An INSERT of code rows (bound values, or `rows_from` a select) that updates the existing code of the same
    answer, theme and source instead of duplicating it, unless that code is reviewed."""
    stmt = dialect.insert(Code.__table__)
    if rows_from is not None:
        stmt = stmt.from_select(list(_ROW_COLUMNS), rows_from)
    return stmt.on_conflict_do_update(
        index_elements=["answer_id", "theme_key", "source"],
        set_={name: stmt.excluded[name] for name in _CHANGED},
        where=_REPLACEABLE,
    )


def _upsert_rows(rows: list[dict[str, Any]]) -> None:
    """Upsert code rows: COPY and one set-based statement on PostgreSQL, a batched executemany on SQLite."""
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(_upsert(sqlite), rows)
        return
    connection = db.session.connection()
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(_STAGING_DDL)
        with cursor.copy(f"COPY {_STAGING} ({', '.join(_ROW_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c == "spans" else row[c] for c in _ROW_COLUMNS])
    staging = table_clause(_STAGING, *(column(name) for name in _ROW_COLUMNS))
    connection.execute(_upsert(postgresql, select(*staging.c)))
    connection.execute(delete(staging))  # the next batch in this transaction (tests run several) starts empty
