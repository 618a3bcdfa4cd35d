"""built syntheses: versions with their PDF, SHA-256 and data snapshot; publication

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 22:00:00

"""
import sqlalchemy as sa
from alembic import op

import survey.models.base  # noqa: F401  (UTCDateTime, JSONType)

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('syntheses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('draft', 'final', name='synthesiskind', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('snapshot', survey.models.base.JSONType, nullable=False),
    sa.Column('built_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', survey.models.base.UTCDateTime(), nullable=False),
    sa.Column('published_at', survey.models.base.UTCDateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['built_by_id'], ['users.id'], name=op.f('fk_syntheses_built_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_syntheses_job_id_jobs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_syntheses_published_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_syntheses_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_syntheses')),
    sa.UniqueConstraint('round_id', 'version', name=op.f('uq_syntheses_round_id_version'))
    )
    with op.batch_alter_table('syntheses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_syntheses_built_by_id'), ['built_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_syntheses_job_id'), ['job_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_syntheses_published_by_id'), ['published_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_syntheses_round_id'), ['round_id'], unique=False)


def downgrade():
    with op.batch_alter_table('syntheses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_syntheses_round_id'))
        batch_op.drop_index(batch_op.f('ix_syntheses_published_by_id'))
        batch_op.drop_index(batch_op.f('ix_syntheses_job_id'))
        batch_op.drop_index(batch_op.f('ix_syntheses_built_by_id'))
    op.drop_table('syntheses')
