"""answers carry their round (one index range per round for the review list); the review data's version

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-04 23:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
    op.execute(
        'UPDATE answers SET round_id = (SELECT responses.round_id FROM responses WHERE responses.id = answers.response_id)'
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.alter_column('round_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_answers_round_id_rounds'), 'rounds', ['round_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.create_index('ix_answers_round_id_id', ['round_id', 'id'], unique=False)
    op.create_table('browse_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_browse_versions'))
    )


def downgrade():
    op.drop_table('browse_versions')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index('ix_answers_round_id_id')
        batch_op.drop_constraint(batch_op.f('fk_answers_round_id_rounds'), type_='foreignkey')
        batch_op.drop_column('round_id')
