"""resize orders: an order item may change an existing server

Revision ID: 0009_resize_orders
Revises: 0008_sites
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_resize_orders'
down_revision: str | None = '0008_sites'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resource_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_order_items_resource_id'), ['resource_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_order_items_resource_id_resources'), 'resources',
                                    ['resource_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_order_items_resource_id_resources'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_order_items_resource_id'))
        batch_op.drop_column('resource_id')
