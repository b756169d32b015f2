"""tagger_models: company models of the learned tagging layer (arrays as JSON)

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-06

`retention-bot tagger train` trains a company model per language on staff corrections
(`tag_corrections`) and labelled CSV files, on top of the shipped model, and stores it here
with its version and cross-validated scores. The model is JSON (vocabulary, idf,
coefficients, thresholds): it is parsed, never unpickled. The newest row per language is
the one in use; older rows stay for `tagger evaluate` and rollback.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tagger_models",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("base_version", sa.String(length=64), nullable=True),
        sa.Column("n_labels", sa.Integer(), nullable=False),
        sa.Column("scores", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tagger_models")),
        sa.UniqueConstraint("version", name="uq_tagger_models_version"),
    )
    with op.batch_alter_table("tagger_models", schema=None) as batch_op:
        batch_op.create_index("ix_tagger_models_lang_id", ["lang", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tagger_models", schema=None) as batch_op:
        batch_op.drop_index("ix_tagger_models_lang_id")
    op.drop_table("tagger_models")
