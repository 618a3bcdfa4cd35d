"""states as CHECK constraints; code_decisions (one per code and reviewer), carrying existing decisions over

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:10:00

"""
import sqlalchemy as sa
from alembic import op

import survey.models.base  # noqa: F401  (UTCDateTime)

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# (table, column, enum name as the models name it, allowed values): kept literal, as the models were at 0003.
CHECKS = (
    ('responses', 'status', 'responsestatus', ('not_started', 'in_progress', 'submitted', 'reopened')),
    ('section_states', 'status', 'sectionstatus', ('not_started', 'in_progress', 'completed')),
    ('answers', 'tagging', 'taggingstate', ('none', 'pending', 'tagged', 'failed')),
    ('answer_revisions', 'outcome', 'revisionoutcome', ('applied', 'conflict', 'resolved', 'superseded', 'late')),
    ('jobs', 'status', 'jobstatus', ('queued', 'running', 'finished', 'failed')),
    ('users', 'role', 'role', ('lead', 'reviewer')),
    ('codes', 'source', 'codesource', ('rule', 'reviewer', 'model')),
    ('codes', 'status', 'codestatus', ('proposed', 'accepted', 'rejected')),
)


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table('code_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('accepted', 'rejected', name='decision', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', survey.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['codes.id'], name=op.f('fk_code_decisions_code_id_codes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_code_decisions_reviewer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_code_decisions')),
    sa.UniqueConstraint('code_id', 'reviewer_id', name=op.f('uq_code_decisions_code_id_reviewer_id'))
    )
    with op.batch_alter_table('code_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_code_decisions_code_id'), ['code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_code_decisions_reviewer_id'), ['reviewer_id'], unique=False)

    # A decision recorded on the code row becomes that reviewer's decision.
    op.execute(
        "INSERT INTO code_decisions (code_id, reviewer_id, decision, note, at) "
        "SELECT id, reviewed_by_id, status, note, COALESCE(reviewed_at, created_at) FROM codes "
        "WHERE reviewed_by_id IS NOT NULL AND status IN ('accepted', 'rejected')"
    )
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_codes_reviewed_by_id'))
        batch_op.drop_constraint(batch_op.f('fk_codes_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')

    for table, column, name, values in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'), _condition(column, values))


def downgrade():
    for table, _, name, _ in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')

    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', survey.models.base.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_codes_reviewed_by_id_users'), 'users', ['reviewed_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_codes_reviewed_by_id'), ['reviewed_by_id'], unique=False)
    # The latest decision per code goes back onto the code row.
    op.execute(
        "UPDATE codes SET reviewed_by_id = (SELECT d.reviewer_id FROM code_decisions d WHERE d.code_id = codes.id "
        "ORDER BY d.at DESC, d.id DESC LIMIT 1), reviewed_at = (SELECT d.at FROM code_decisions d "
        "WHERE d.code_id = codes.id ORDER BY d.at DESC, d.id DESC LIMIT 1)"
    )
    with op.batch_alter_table('code_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_code_decisions_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_code_decisions_code_id'))
    op.drop_table('code_decisions')
