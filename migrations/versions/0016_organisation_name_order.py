"""organisations indexed by name in any case on PostgreSQL (the tracking dashboard's table is ordered so)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':  # as the model: PostgreSQL only
        op.create_index('ix_organisations_name_lower', 'organisations', [sa.text('lower(name)')], unique=False)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_organisations_name_lower', table_name='organisations')
