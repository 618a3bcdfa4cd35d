"""the review workspace's browse page: full-text search on answers (GIN, PostgreSQL only)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 22:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = '0007'
branch_labels = None
depends_on = None

FTS = "to_tsvector('english'::regconfig, coalesce(text, ''::text))"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_answers_text_fts", "answers", [sa.text(FTS)], unique=False, postgresql_using="gin")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_answers_text_fts", table_name="answers", postgresql_using="gin")
