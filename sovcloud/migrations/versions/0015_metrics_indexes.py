"""covering indexes for the /metrics aggregates (resources per project/kind/state/drift, steps)

Revision ID: 0015_metrics_indexes
Revises: 0014_site_reservations
Create Date: 2026-12-01 17:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0015_metrics_indexes'
down_revision: str | None = '0014_site_reservations'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.create_index('ix_resources_project_kind_state_drift', ['project_id', 'kind', 'state', 'drift'],
                              unique=False)
    with op.batch_alter_table('provisioning_steps', schema=None) as batch_op:
        batch_op.create_index('ix_provisioning_steps_kind_status_times',
                              ['kind', 'status', 'attempts', 'created_at', 'finished_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('provisioning_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_provisioning_steps_kind_status_times')
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_index('ix_resources_project_kind_state_drift')
