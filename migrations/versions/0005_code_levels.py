"""a machine code's level: proposed (strong evidence) or possible (weak)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 22:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.String(length=10), nullable=False, server_default='proposed'))
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.alter_column('level', server_default=None)
        batch_op.create_check_constraint(op.f('ck_codes_codelevel'), "level IN ('proposed', 'possible')")


def downgrade():
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_codes_codelevel'), type_='check')
        batch_op.drop_column('level')
