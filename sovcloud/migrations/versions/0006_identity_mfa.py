"""identity: pending TOTP enrolment, tokens remember whether they were issued with MFA

Revision ID: 0006_identity_mfa
Revises: 0005_resource_indexes
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_identity_mfa'
down_revision: str | None = '0005_resource_indexes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_pending_enc', sa.String(length=400), nullable=True))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        # tokens issued before this revision carry no administrative role until re-issued
        batch_op.add_column(sa.Column('created_with_mfa', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('created_with_mfa')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_pending_enc')
