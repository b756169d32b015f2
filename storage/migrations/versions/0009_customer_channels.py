"""customer_channels: where a customer is reached, per channel; neutral message references

Revision ID: 0009
Revises: 0012
Create Date: 2026-12-08

The core tables carried one platform's columns: `customers.telegram_chat_id`,
`telegram_user_id`, `telegram_linked_at` (and `unreachable`, which says the chat blocked
the bot, so belongs to that binding), `survey_sessions.telegram_message_id` and
`follow_ups.slack_channel` / `slack_ts`. A second customer channel would have added a set
of columns per platform. Now:

- `customer_channels` (customer, channel, address, user_ref, linked_at, reachable,
  unreachable_at): every linked customer's binding becomes a row of channel 'telegram'
  with the chat id as text; `reachable` is the old `NOT unreachable`.
- `survey_sessions.message_ref` (text) takes the message id;
- `follow_ups.post_destination` / `post_ref` take the Slack channel and ts.

The old columns are dropped after the copy. The downgrade copies everything back; what
has no place in the old layout is left behind: bindings on other channels, and the
`unreachable` flag of a customer without a binding (it never mattered: an unlinked
customer is not surveyed, and linking again cleared it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0009"
down_revision = "0012"
branch_labels = None
depends_on = None

CHANNEL = "telegram"  # the only channel the old columns could hold


def upgrade() -> None:
    op.create_table(
        "customer_channels",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("user_ref", sa.String(length=255), nullable=True),
        sa.Column("linked_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reachable", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("unreachable_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_channels_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_channels")),
        sa.UniqueConstraint("channel", "address", name="uq_customer_channels_channel_address"),
        sa.UniqueConstraint("customer_id", "channel", name="uq_customer_channels_customer_channel"),
    )
    op.execute(
        sa.text(
            "INSERT INTO customer_channels"
            " (customer_id, channel, address, user_ref, linked_at, reachable, unreachable_at)"
            " SELECT id, :channel, CAST(telegram_chat_id AS VARCHAR(255)),"
            " CAST(telegram_user_id AS VARCHAR(255)), telegram_linked_at,"
            " CASE WHEN unreachable THEN :no ELSE :yes END,"
            " CASE WHEN unreachable THEN unreachable_at END"
            " FROM customers WHERE telegram_chat_id IS NOT NULL"
        ).bindparams(
            sa.bindparam("channel", CHANNEL),
            sa.bindparam("yes", True, sa.Boolean()),
            sa.bindparam("no", False, sa.Boolean()),
        )
    )

    with op.batch_alter_table("survey_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_ref", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE survey_sessions SET message_ref = CAST(telegram_message_id AS VARCHAR(64))"
        " WHERE telegram_message_id IS NOT NULL"
    )
    with op.batch_alter_table("survey_sessions", schema=None) as batch_op:
        batch_op.drop_column("telegram_message_id")

    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("post_destination", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("post_ref", sa.String(length=64), nullable=True))
    op.execute("UPDATE follow_ups SET post_destination = slack_channel, post_ref = slack_ts")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_column("slack_ts")
        batch_op.drop_column("slack_channel")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_constraint("uq_customers_telegram_chat_id", type_="unique")
        batch_op.drop_column("unreachable_at")
        batch_op.drop_column("unreachable")
        batch_op.drop_column("telegram_linked_at")
        batch_op.drop_column("telegram_user_id")
        batch_op.drop_column("telegram_chat_id")


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("telegram_chat_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("telegram_user_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("telegram_linked_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("unreachable", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("unreachable_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint("uq_customers_telegram_chat_id", ["telegram_chat_id"])
    binding = (
        "(SELECT {column} FROM customer_channels c"
        " WHERE c.customer_id = customers.id AND c.channel = :channel)"
    )
    op.execute(
        sa.text(
            "UPDATE customers SET"
            f" telegram_chat_id = CAST({binding.format(column='c.address')} AS BIGINT),"
            f" telegram_user_id = CAST({binding.format(column='c.user_ref')} AS BIGINT),"
            f" telegram_linked_at = {binding.format(column='c.linked_at')},"
            f" unreachable = CASE WHEN {binding.format(column='c.reachable')} = :no"
            " THEN :yes ELSE :no END,"
            f" unreachable_at = {binding.format(column='c.unreachable_at')}"
            " WHERE EXISTS (SELECT 1 FROM customer_channels c"
            " WHERE c.customer_id = customers.id AND c.channel = :channel)"
        ).bindparams(
            sa.bindparam("channel", CHANNEL),
            sa.bindparam("yes", True, sa.Boolean()),
            sa.bindparam("no", False, sa.Boolean()),
        )
    )

    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slack_channel", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("slack_ts", sa.String(length=64), nullable=True))
    op.execute("UPDATE follow_ups SET slack_channel = post_destination, slack_ts = post_ref")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_column("post_ref")
        batch_op.drop_column("post_destination")

    with op.batch_alter_table("survey_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("telegram_message_id", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE survey_sessions SET telegram_message_id = CAST(message_ref AS BIGINT)"
        f" WHERE message_ref IS NOT NULL AND channel = '{CHANNEL}'"
    )
    with op.batch_alter_table("survey_sessions", schema=None) as batch_op:
        batch_op.drop_column("message_ref")

    op.drop_table("customer_channels")
