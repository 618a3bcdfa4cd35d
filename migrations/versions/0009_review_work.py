"""review work: a decision's before-state, a code's review version, double coding, codebook drafts and previews

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import survey.models.base  # noqa: F401  (UTCDateTime)

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_version', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('code_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('before', sa.String(length=10), nullable=False, server_default='proposed'))
    with op.batch_alter_table('code_decisions', schema=None) as batch_op:
        batch_op.alter_column('before', server_default=None)
        batch_op.create_check_constraint(
            op.f('ck_code_decisions_codestatus'), "before IN ('proposed', 'accepted', 'rejected')"
        )
    op.create_table('double_codings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('first_reviewer_id', sa.Integer(), nullable=False),
    sa.Column('second_reviewer_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', survey.models.base.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', survey.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_double_codings_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_double_codings_assigned_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['first_reviewer_id'], ['users.id'], name=op.f('fk_double_codings_first_reviewer_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['second_reviewer_id'], ['users.id'], name=op.f('fk_double_codings_second_reviewer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_double_codings')),
    sa.UniqueConstraint('answer_id', name=op.f('uq_double_codings_answer_id'))
    )
    with op.batch_alter_table('double_codings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_double_codings_assigned_by_id'), ['assigned_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_double_codings_first_reviewer_id'), ['first_reviewer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_double_codings_second_reviewer_id'), ['second_reviewer_id'], unique=False)

    op.create_table('codebook_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('base_version_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('changes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', survey.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['base_version_id'], ['codebook_versions.id'], name=op.f('fk_codebook_drafts_base_version_id_codebook_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledges.id'], name=op.f('fk_codebook_drafts_pledge_id_pledges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_codebook_drafts_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_codebook_drafts')),
    sa.UniqueConstraint('pledge_id', name=op.f('uq_codebook_drafts_pledge_id'))
    )
    with op.batch_alter_table('codebook_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_codebook_drafts_base_version_id'), ['base_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_codebook_drafts_updated_by_id'), ['updated_by_id'], unique=False)
    op.create_table('codebook_preview_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('gained', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('lost', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_codebook_preview_rows_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_codebook_preview_rows_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_codebook_preview_rows')),
    sa.UniqueConstraint('job_id', 'answer_id', name=op.f('uq_codebook_preview_rows_job_id_answer_id'))
    )
    with op.batch_alter_table('codebook_preview_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_codebook_preview_rows_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_codebook_preview_rows_job_id'), ['job_id'], unique=False)


def downgrade():
    op.drop_table('codebook_preview_rows')
    op.drop_table('codebook_drafts')
    op.drop_table('double_codings')
    with op.batch_alter_table('code_decisions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_code_decisions_codestatus'), type_='check')
        batch_op.drop_column('before')
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.drop_column('review_version')
