"""round settings shown to respondents (contact, privacy notice); respondents' requests to re-open a report

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:50:00

"""
import sqlalchemy as sa
from alembic import op

import survey.models.base  # noqa: F401  (UTCDateTime)

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=320), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('privacy_notice', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.alter_column('contact_name', server_default=None)
        batch_op.alter_column('contact_email', server_default=None)
        batch_op.alter_column('privacy_notice', server_default=None)

    op.create_table('reopen_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', survey.models.base.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', survey.models.base.UTCDateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_reopen_requests_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_reopen_requests_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_reopen_requests_response_id_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reopen_requests'))
    )
    with op.batch_alter_table('reopen_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reopen_requests_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reopen_requests_resolved_by_id'), ['resolved_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reopen_requests_response_id'), ['response_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reopen_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reopen_requests_response_id'))
        batch_op.drop_index(batch_op.f('ix_reopen_requests_resolved_by_id'))
        batch_op.drop_index(batch_op.f('ix_reopen_requests_contact_id'))
    op.drop_table('reopen_requests')
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('privacy_notice')
        batch_op.drop_column('contact_email')
        batch_op.drop_column('contact_name')
