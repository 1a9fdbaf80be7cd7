"""capacity reservations on sites

Revision ID: 0014_site_reservations
Revises: 0013_applications
Create Date: 2026-12-01 17:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sovcloud.db

revision: str = '0014_site_reservations'
down_revision: str | None = '0013_applications'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('site_capacity',
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('vcpus_free', sa.Integer(), nullable=False),
    sa.Column('ram_mb_free', sa.Integer(), nullable=False),
    sa.Column('disk_gb_free', sa.Integer(), nullable=False),
    sa.Column('measured_at', sovcloud.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_capacity_site_id_sites'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site_id', name=op.f('pk_site_capacity'))
    )
    op.create_table('site_reservations',
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('vcpus', sa.Integer(), nullable=False),
    sa.Column('ram_mb', sa.Integer(), nullable=False),
    sa.Column('disk_gb', sa.Integer(), nullable=False),
    sa.Column('released_at', sovcloud.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sovcloud.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_reservations_site_id_sites'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_reservations')),
    sa.UniqueConstraint('order_id', name=op.f('uq_site_reservations_order_id'))
    )
    with op.batch_alter_table('site_reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_reservations_site_id'), ['site_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('site_reservations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_reservations_site_id'))
    op.drop_table('site_reservations')
    op.drop_table('site_capacity')
