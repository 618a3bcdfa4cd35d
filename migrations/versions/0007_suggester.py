"""versions of the suggester: classifier models trained on reviewed answers

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 22:30:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import survey.models.base  # noqa: F401  (UTCDateTime)

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _json():
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('classifier_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('codebook_version_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('trained_at', survey.models.base.UTCDateTime(), nullable=False),
    sa.Column('summary', _json(), nullable=False),
    sa.Column('scores', _json(), nullable=False),
    sa.Column('themes', _json(), nullable=False),
    sa.Column('suggested', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('blob', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['codebook_version_id'], ['codebook_versions.id'], name=op.f('fk_classifier_models_codebook_version_id_codebook_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_classifier_models_job_id_jobs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledges.id'], name=op.f('fk_classifier_models_pledge_id_pledges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classifier_models')),
    sa.UniqueConstraint('pledge_id', 'version', name=op.f('uq_classifier_models_pledge_id_version'))
    )
    with op.batch_alter_table('classifier_models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classifier_models_codebook_version_id'), ['codebook_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_classifier_models_job_id'), ['job_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_classifier_models_pledge_id'), ['pledge_id'], unique=False)


def downgrade():
    with op.batch_alter_table('classifier_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classifier_models_pledge_id'))
        batch_op.drop_index(batch_op.f('ix_classifier_models_job_id'))
        batch_op.drop_index(batch_op.f('ix_classifier_models_codebook_version_id'))
    op.drop_table('classifier_models')
