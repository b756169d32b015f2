"""customers.forgotten_at: a /start link issued before /forget no longer binds a chat

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

/forget clears the customer's Telegram binding, and with it the only thing that refused a
stale link (a link binds again only if issued after the last binding). An old link, in a
mail box or forwarded, then bound a new chat to the erased customer. The time of the last
/forget lets the binding refuse every link issued before it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("forgotten_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("forgotten_at")
