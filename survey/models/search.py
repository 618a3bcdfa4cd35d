"""Indexes the review workspace's browse page filters and searches answers by (declared here, beside the query)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Index, func, literal_column

from survey.models.rounds import Answer

# The text-search configuration, as a literal so PostgreSQL matches the GIN index's expression exactly.
FTS_CONFIG = literal_column("'english'::regconfig")


def answer_document() -> ColumnElement[object]:
    """An answer's text as a tsvector: the expression the GIN index holds and searches must repeat."""
    return func.to_tsvector(FTS_CONFIG, func.coalesce(Answer.text, literal_column("''")))


# Full-text search on PostgreSQL only (SQLite falls back to LIKE); SQLite never sees this index.
ANSWER_TEXT_FTS = Index(
    "ix_answers_text_fts", answer_document(), postgresql_using="gin", _table=Answer.__table__
).ddl_if(dialect="postgresql")
