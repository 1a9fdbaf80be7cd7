"""ProConnect login (OpenID Connect): links, login states, SIRET/domain mappings, organisations' just-in-time
setting, the acr and method of sessions; users.locked_until dropped (unused since throttling moved to limits)

Revision ID: 0010_proconnect
Revises: 0009_resize_orders
Create Date: 2026-12-01 16:56:38.356498
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sovcloud.db

revision: str = '0010_proconnect'
down_revision: str | None = '0009_resize_orders'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('oidc_login_states',
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('browser_hash', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=128), nullable=False),
    sa.Column('code_verifier', sa.String(length=128), nullable=False),
    sa.Column('next_path', sa.String(length=2000), nullable=False),
    sa.Column('acr_values', sa.String(length=60), nullable=False),
    sa.Column('expires_at', sovcloud.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', sovcloud.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sovcloud.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_login_states')),
    sa.UniqueConstraint('state_hash', name=op.f('uq_oidc_login_states_state_hash'))
    )
    with op.batch_alter_table('oidc_login_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_login_states_expires_at'), ['expires_at'], unique=False)

    op.create_table('oidc_links',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('sub', sa.String(length=255), nullable=False),
    sa.Column('idp_id', sa.String(length=255), nullable=False),
    sa.Column('linked_by', sa.String(length=40), nullable=False),
    sa.Column('last_login_at', sovcloud.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sovcloud.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oidc_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_links')),
    sa.UniqueConstraint('issuer', 'sub', 'idp_id', name=op.f('uq_oidc_links_issuer'))
    )
    with op.batch_alter_table('oidc_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_links_user_id'), ['user_id'], unique=False)

    op.create_table('org_mappings',
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=253), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sovcloud.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_org_mappings_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_mappings')),
    sa.UniqueConstraint('kind', 'value', name=op.f('uq_org_mappings_kind'))
    )
    with op.batch_alter_table('org_mappings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_mappings_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sso_jit_allowed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('sso_jit_role', sa.String(length=40), server_default='viewer', nullable=False))

    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auth_method', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('acr', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('id_token', sa.Text(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sovcloud.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('id_token')
        batch_op.drop_column('acr')
        batch_op.drop_column('auth_method')

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('sso_jit_role')
        batch_op.drop_column('sso_jit_allowed')

    with op.batch_alter_table('org_mappings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_mappings_organisation_id'))

    op.drop_table('org_mappings')
    with op.batch_alter_table('oidc_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_links_user_id'))

    op.drop_table('oidc_links')
    with op.batch_alter_table('oidc_login_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_login_states_expires_at'))

    op.drop_table('oidc_login_states')
