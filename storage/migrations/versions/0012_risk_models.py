"""risk models: the churn-risk model learnt from the company's own history, with its backtest

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-08

Each refit stores one row: the model as plain JSON (intercept and monotone coefficients,
training window, backtest), whether it was adopted or rejected (a refit that backtests
worse than the model in use is kept for the record, not used). The model in use is the
adopted row with the highest version.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_models",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("training_start", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("training_end", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('adopted', 'rejected')", name=op.f("ck_risk_models_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_models")),
        sa.UniqueConstraint("version", name=op.f("uq_risk_models_version")),
    )
    with op.batch_alter_table("risk_models", schema=None) as batch_op:
        batch_op.create_index("ix_risk_models_status_version", ["status", "version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("risk_models", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_models_status_version")
    op.drop_table("risk_models")
