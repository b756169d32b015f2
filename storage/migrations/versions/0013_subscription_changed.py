"""events: a `subscription_changed` event type (the customer's new MRR in `amount`)

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-06

Revenue retention needs each customer's MRR over time: `subscription_started` carries the
starting MRR in `amount` and `subscription_changed` (an upgrade, a downgrade, seats added)
the new one. Only the events type check changes; on SQLite the table is rebuilt in batch
mode (the check is part of the table's DDL there). The downgrade deletes the
`subscription_changed` rows first, since the old check would refuse them, and sets no MRR
back: `customers.mrr` already holds the newest amount.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

OLD_TYPES = (
    "subscription_started",
    "subscription_cancelled",
    "payment_failed",
    "payment_succeeded",
    "activity",
    "purchase",
    "support_ticket_closed",
)
NEW_TYPES = (*OLD_TYPES[:1], "subscription_changed", *OLD_TYPES[1:])
NAME = "ck_events_type_known"


def _condition(types: tuple[str, ...]) -> str:
    return "type IN (" + ", ".join(f"'{t}'" for t in types) + ")"


def _replace_check(types: tuple[str, ...]) -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), sa.text(_condition(types)))


def upgrade() -> None:
    _replace_check(NEW_TYPES)


def downgrade() -> None:
    op.execute("DELETE FROM events WHERE type = 'subscription_changed'")
    _replace_check(OLD_TYPES)
