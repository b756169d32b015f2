"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("plan", sa.String(length=100), nullable=True),
        sa.Column("mrr", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("signed_up_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("churned_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("churn_type", sa.String(length=16), nullable=True),
        sa.Column("last_activity_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("payment_failed_since", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifecycle_stale", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("telegram_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("telegram_linked_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opted_out", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("opted_out_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unreachable", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("unreachable_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "churn_type IS NULL OR churn_type IN ('voluntary', 'involuntary')",
            name=op.f("ck_customers_churn_type_known"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'churned')", name=op.f("ck_customers_status_known")
        ),
        sa.CheckConstraint("mrr >= 0", name=op.f("ck_customers_mrr_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("external_id", name=op.f("uq_customers_external_id")),
        sa.UniqueConstraint("telegram_chat_id", name=op.f("uq_customers_telegram_chat_id")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_email", ["email"], unique=False)
        batch_op.create_index("ix_customers_lifecycle_stale", ["lifecycle_stale"], unique=False)
        batch_op.create_index("ix_customers_signed_up_at", ["signed_up_at"], unique=False)
        batch_op.create_index("ix_customers_status_plan", ["status", "plan"], unique=False)

    op.create_table(
        "digest_posts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("destination", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("posted_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed')", name=op.f("ck_digest_posts_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_posts")),
        sa.UniqueConstraint("week", "destination", name="uq_digest_posts_week_destination"),
    )
    op.create_table(
        "churns",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("churned_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("churn_type", sa.String(length=16), nullable=False),
        sa.Column("cause", sa.String(length=32), nullable=False),
        sa.Column("reactivated_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "cause IN ('cancelled', 'payment_failed', 'inactivity')",
            name=op.f("ck_churns_cause_known"),
        ),
        sa.CheckConstraint(
            "churn_type IN ('voluntary', 'involuntary')", name=op.f("ck_churns_churn_type_known")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_churns_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_churns")),
    )
    with op.batch_alter_table("churns", schema=None) as batch_op:
        batch_op.create_index("ix_churns_churned_at", ["churned_at"], unique=False)
        batch_op.create_index(
            "ix_churns_customer_id_churned_at", ["customer_id", "churned_at"], unique=False
        )
        batch_op.create_index("ix_churns_reactivated_at", ["reactivated_at"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "type IN ('subscription_started', 'subscription_cancelled', 'payment_failed', 'payment_succeeded', 'activity', 'purchase', 'support_ticket_closed')",
            name=op.f("ck_events_type_known"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_events_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_events_event_id")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_customer_id_occurred_at", ["customer_id", "occurred_at"], unique=False
        )
        batch_op.create_index("ix_events_type_occurred_at", ["type", "occurred_at"], unique=False)

    op.create_table(
        "survey_sessions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("survey", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("current_step", sa.String(length=64), nullable=True),
        sa.Column("source_ref", sa.String(length=255), nullable=True),
        sa.Column(
            "trigger_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("save_opportunity", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('scheduled', 'sent', 'in_progress', 'completed', 'expired', 'cancelled')",
            name=op.f("ck_survey_sessions_status_known"),
        ),
        sa.CheckConstraint(
            "survey IN ('nps', 'csat', 'exit')", name=op.f("ck_survey_sessions_survey_known")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_survey_sessions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trigger_event_id"],
            ["events.id"],
            name=op.f("fk_survey_sessions_trigger_event_id_events"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_sessions")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_survey_sessions_source_ref")),
        sa.UniqueConstraint("trigger_event_id", "survey", name="uq_survey_sessions_trigger"),
    )
    with op.batch_alter_table("survey_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_sessions_customer_id_created_at", ["customer_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_survey_sessions_sent_at", ["sent_at"], unique=False)
        batch_op.create_index(
            "ix_survey_sessions_status_expires_at", ["status", "expires_at"], unique=False
        )

    op.create_table(
        "answers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "session_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("survey", sa.String(length=16), nullable=False),
        sa.Column("question", sa.String(length=64), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("choice", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("sentiment", sa.Double(), nullable=True),
        sa.Column("sentiment_label", sa.String(length=16), nullable=True),
        sa.Column("tagged_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tags_corrected", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_answers_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["survey_sessions.id"],
            name=op.f("fk_answers_session_id_survey_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint("session_id", "question", name="uq_answers_session_question"),
    )
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answers_customer_id_answered_at", ["customer_id", "answered_at"], unique=False
        )
        batch_op.create_index(
            "ix_answers_survey_answered_at", ["survey", "answered_at"], unique=False
        )

    op.create_table(
        "follow_ups",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "session_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assignee", sa.String(length=255), nullable=True),
        sa.Column("slack_channel", sa.String(length=64), nullable=True),
        sa.Column("slack_ts", sa.String(length=64), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("contacted_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'assigned', 'contacted', 'resolved')",
            name=op.f("ck_follow_ups_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_follow_ups_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["survey_sessions.id"],
            name=op.f("fk_follow_ups_session_id_survey_sessions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index("ix_follow_ups_customer_id", ["customer_id"], unique=False)
        batch_op.create_index(
            "ix_follow_ups_status_created_at", ["status", "created_at"], unique=False
        )

    op.create_table(
        "answer_tags",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "answer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=255), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('rules', 'staff')", name=op.f("ck_answer_tags_source_known")
        ),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answers.id"],
            name=op.f("fk_answer_tags_answer_id_answers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_tags")),
        sa.UniqueConstraint("answer_id", "reason", name="uq_answer_tags_answer_reason"),
    )
    with op.batch_alter_table("answer_tags", schema=None) as batch_op:
        batch_op.create_index("ix_answer_tags_reason", ["reason"], unique=False)

    op.create_table(
        "tag_corrections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "answer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("corrected_by", sa.String(length=255), nullable=False),
        sa.Column("reasons_before", sa.Text(), nullable=False),
        sa.Column("reasons_after", sa.Text(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answers.id"],
            name=op.f("fk_tag_corrections_answer_id_answers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_corrections")),
    )


def downgrade() -> None:
    op.drop_table("tag_corrections")
    with op.batch_alter_table("answer_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_tags_reason")

    op.drop_table("answer_tags")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_ups_status_created_at")
        batch_op.drop_index("ix_follow_ups_customer_id")

    op.drop_table("follow_ups")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index("ix_answers_survey_answered_at")
        batch_op.drop_index("ix_answers_customer_id_answered_at")

    op.drop_table("answers")
    with op.batch_alter_table("survey_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_sessions_status_expires_at")
        batch_op.drop_index("ix_survey_sessions_sent_at")
        batch_op.drop_index("ix_survey_sessions_customer_id_created_at")

    op.drop_table("survey_sessions")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_type_occurred_at")
        batch_op.drop_index("ix_events_customer_id_occurred_at")

    op.drop_table("events")
    with op.batch_alter_table("churns", schema=None) as batch_op:
        batch_op.drop_index("ix_churns_reactivated_at")
        batch_op.drop_index("ix_churns_customer_id_churned_at")
        batch_op.drop_index("ix_churns_churned_at")

    op.drop_table("churns")
    op.drop_table("digest_posts")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_status_plan")
        batch_op.drop_index("ix_customers_signed_up_at")
        batch_op.drop_index("ix_customers_lifecycle_stale")
        batch_op.drop_index("ix_customers_email")

    op.drop_table("customers")
