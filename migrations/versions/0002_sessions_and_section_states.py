"""server-side staff sessions; a row per section state (the JSON map lost concurrent updates); longer outcomes

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:40:00

"""
import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import survey.models.base  # noqa: F401  (UTCDateTime and JSON column types)

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('staff_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', survey.models.base.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', survey.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', survey.models.base.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', survey.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_sessions_token_hash'))
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('section_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('section_key', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('updated_at', survey.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_section_states_response_id_responses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['contacts.id'], name=op.f('fk_section_states_updated_by_id_contacts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_section_states')),
    sa.UniqueConstraint('response_id', 'section_key', name=op.f('uq_section_states_response_id_section_key'))
    )
    with op.batch_alter_table('section_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_section_states_response_id'), ['response_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_section_states_updated_by_id'), ['updated_by_id'], unique=False)

    # Carry every response's map over, one row per section, stamped with the response's last activity.
    bind = op.get_bind()
    responses = sa.table('responses', sa.column('id'), sa.column('section_states', JSON),
                         sa.column('last_activity_at', survey.models.base.UTCDateTime()))
    states = sa.table('section_states', sa.column('response_id'), sa.column('section_key'), sa.column('status'),
                      sa.column('updated_at', survey.models.base.UTCDateTime()))
    rows = []
    for response_id, mapping, last_activity in bind.execute(
        sa.select(responses.c.id, responses.c.section_states, responses.c.last_activity_at)
    ):
        if isinstance(mapping, str):
            mapping = json.loads(mapping)
        for key, status in (mapping or {}).items():
            rows.append({'response_id': response_id, 'section_key': key, 'status': status,
                         'updated_at': last_activity or survey.models.base.utcnow()})
    if rows:
        bind.execute(states.insert(), rows)

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('section_states')
    with op.batch_alter_table('answer_revisions', schema=None) as batch_op:
        batch_op.alter_column('outcome', existing_type=sa.String(length=10), type_=sa.String(length=12),
                              existing_nullable=False)


def downgrade():
    with op.batch_alter_table('answer_revisions', schema=None) as batch_op:
        batch_op.alter_column('outcome', existing_type=sa.String(length=12), type_=sa.String(length=10),
                              existing_nullable=False)
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('section_states', JSON, nullable=False, server_default='{}'))
    bind = op.get_bind()
    states = sa.table('section_states', sa.column('response_id'), sa.column('section_key'), sa.column('status'))
    responses = sa.table('responses', sa.column('id'), sa.column('section_states', JSON))
    maps: dict[int, dict[str, str]] = {}
    for response_id, key, status in bind.execute(sa.select(states.c.response_id, states.c.section_key, states.c.status)):
        maps.setdefault(response_id, {})[key] = status
    for response_id, mapping in maps.items():
        bind.execute(responses.update().where(responses.c.id == response_id).values(section_states=mapping))

    with op.batch_alter_table('section_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_section_states_updated_by_id'))
        batch_op.drop_index(batch_op.f('ix_section_states_response_id'))
    op.drop_table('section_states')
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_user_id'))
    op.drop_table('staff_sessions')
