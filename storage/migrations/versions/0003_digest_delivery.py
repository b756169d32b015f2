"""digest and scheduler: post claims and progress, the job store, an at-risk index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The at-risk list walks active customers in id order (keyset pagination): without
    # this index SQLite sorts every active customer again for each chunk.
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_status_id", ["status", "id"], unique=False)
    # Activity counts per customer over a time window (the at-risk list's activity
    # percentile) read from this index alone instead of from every matching event row.
    # It serves every query (type, occurred_at) served, so that one goes: each index on
    # events costs imports a third more time per row.
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_type_occurred_at_customer_id",
            ["type", "occurred_at", "customer_id"],
            unique=False,
        )
        batch_op.drop_index("ix_events_type_occurred_at")

    with op.batch_alter_table("digest_posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("claimed_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("progress", sa.Text(), nullable=True))

    # The layout APScheduler 3.x's SQLAlchemyJobStore defines (and would otherwise create
    # on its own): migrations stay the only source of the schema.
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    with op.batch_alter_table("apscheduler_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_apscheduler_jobs_next_run_time", ["next_run_time"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("apscheduler_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_apscheduler_jobs_next_run_time")
    op.drop_table("apscheduler_jobs")

    with op.batch_alter_table("digest_posts", schema=None) as batch_op:
        batch_op.drop_column("progress")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claim_token")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_type_occurred_at", ["type", "occurred_at"], unique=False)
        batch_op.drop_index("ix_events_type_occurred_at_customer_id")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_status_id")
