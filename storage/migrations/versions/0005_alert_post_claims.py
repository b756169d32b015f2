"""alert post claims: several processes may run Slack alerts without posting one twice

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        # The process posting an alert's first message claims it (token + time) first;
        # another process's sweep or listener then waits for the message instead of
        # posting a second one. A claim older than a few minutes may be taken over.
        batch_op.add_column(sa.Column("post_claim_token", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("post_claimed_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_column("post_claimed_at")
        batch_op.drop_column("post_claim_token")
