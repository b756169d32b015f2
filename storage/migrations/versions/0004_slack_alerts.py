"""slack alerts: one alert follow-up per survey session, what raised it, when it was taken

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alert_trigger", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("assigned_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        # The score and the comment of one survey arrive as two answers, handled by two
        # listeners that may overlap: the database, not the code, makes it one alert.
        batch_op.create_unique_constraint("uq_follow_ups_session_kind", ["session_id", "kind"])


def downgrade() -> None:
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_constraint("uq_follow_ups_session_kind", type_="unique")
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("alert_trigger")
