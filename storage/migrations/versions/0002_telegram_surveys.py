"""telegram surveys: processed updates, one open survey per customer

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OPEN = "status IN ('scheduled', 'sent', 'in_progress')"


def upgrade() -> None:
    op.create_table(
        "processed_updates",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.Column("processed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "delivery_id", name=op.f("pk_processed_updates")),
    )
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.create_index("ix_processed_updates_processed_at", ["processed_at"], unique=False)

    # A database that already holds two open sessions for one customer (hand-made data)
    # would refuse the index: keep the newest open session, cancel the others.
    op.execute(
        f"""
        UPDATE survey_sessions SET status = 'cancelled'
        WHERE {OPEN} AND id NOT IN (
            SELECT MAX(id) FROM survey_sessions WHERE {OPEN} GROUP BY customer_id
        )
        """
    )
    with op.batch_alter_table("survey_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "uq_survey_sessions_one_open",
            ["customer_id"],
            unique=True,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_sessions", schema=None) as batch_op:
        batch_op.drop_index("uq_survey_sessions_one_open")

    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_processed_updates_processed_at")

    op.drop_table("processed_updates")
