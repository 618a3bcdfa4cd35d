"""answers marked reviewed, one row per answer and reviewer

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 22:20:00

"""
import sqlalchemy as sa
from alembic import op

import survey.models.base  # noqa: F401  (UTCDateTime)

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('answer_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('at', survey.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_answer_reviews_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_answer_reviews_reviewer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_reviews')),
    sa.UniqueConstraint('answer_id', 'reviewer_id', name=op.f('uq_answer_reviews_answer_id_reviewer_id'))
    )
    with op.batch_alter_table('answer_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_reviews_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_reviews_reviewer_id'), ['reviewer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('answer_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_reviews_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_answer_reviews_answer_id'))
    op.drop_table('answer_reviews')
