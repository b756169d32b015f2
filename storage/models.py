"""The data model: what the product remembers about customers and what they told us.

Tables, in the order data arrives:
- `customers`: imported from a CRM or billing export, or pushed through the API. The churn
  columns (`status`, `churned_at`, `churn_type`) are derived from events by the lifecycle
  rules; `churns` keeps every churn episode so past periods stay right after a reactivation.
- `customer_channels`: where a customer is reached, one row per channel they linked (a chat
  on a messenger, ...): the address there, whether it still reaches them.
- `events`: billing and activity history, idempotent on the sender's `event_id`; the
  `amount` of `subscription_started` / `subscription_changed` is the customer's MRR from then
  on (`insights.revenue.mrr`).
- `survey_sessions` and `answers`: one session per survey sent (or imported response); one
  answer per question, stored the moment it is given.
- `answer_tags` and `tag_corrections`: churn reasons on free text, with the rule that fired,
  and the corrections staff made; `tagger_models`: company models trained on them.
- `follow_ups`: staff work on unhappy customers; `digest_posts`: what was posted where.
- `apscheduler_jobs`: the scheduler's persistent jobs (APScheduler's own layout).
- `risk_models`: the churn-risk model learnt from the company's history (JSON), per refit.
- `inbox`: inbound platform updates, stored before they are acknowledged and handled from
  there, so nothing acknowledged is lost and a redelivery is a no-op.

The schema itself is owned by Alembic migrations (`storage/migrations`); these classes must
match them, and a test checks that they do.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    Unicode,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import BigIntId, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CUSTOMER_STATUSES = ("active", "churned")
CHURN_TYPES = ("voluntary", "involuntary")
CHURN_CAUSES = ("cancelled", "payment_failed", "inactivity")
EVENT_TYPES = (
    "subscription_started",
    # 0013: the customer's plan or seats changed; `amount` is their new MRR.
    "subscription_changed",
    "subscription_cancelled",
    "payment_failed",
    "payment_succeeded",
    "activity",
    "purchase",
    "support_ticket_closed",
)
SURVEY_KINDS = ("nps", "csat", "exit")
SESSION_STATUSES = ("scheduled", "sent", "in_progress", "completed", "expired", "cancelled")
# A session in one of these states still waits for answers; a customer has at most one.
OPEN_SESSION_STATUSES = ("scheduled", "sent", "in_progress")
# 0014: "model" is a reason the learned tagging model found (rule `model.<lang>.<reason>`).
TAG_SOURCES = ("rules", "model", "staff")
FOLLOW_UP_STATUSES = ("open", "assigned", "contacted", "resolved")
DIGEST_POST_STATUSES = ("pending", "sent", "failed")
RISK_MODEL_STATUSES = ("adopted", "rejected")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("mrr >= 0", name="mrr_not_negative"),
        CheckConstraint(_in("status", CUSTOMER_STATUSES), name="status_known"),
        CheckConstraint(
            "churn_type IS NULL OR " + _in("churn_type", CHURN_TYPES), name="churn_type_known"
        ),
        Index("ix_customers_signed_up_at", "signed_up_at"),
        Index("ix_customers_status_plan", "status", "plan"),
        Index("ix_customers_email", "email"),
        Index("ix_customers_lifecycle_stale", "lifecycle_stale"),
        # 0003: keyset pagination of active customers by id (the at-risk list).
        Index("ix_customers_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    plan: Mapped[str | None] = mapped_column(String(100))
    mrr: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    signed_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="active")
    churned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    churn_type: Mapped[str | None] = mapped_column(String(16))
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_failed_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when events changed and the churn columns must be recomputed from them.
    lifecycle_stale: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 0008: when the customer last used /forget; a /start link issued before it is refused.
    forgotten_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    churns: Mapped[list[Churn]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", passive_deletes=True
    )


class CustomerChannel(Base):
    """Where a customer is reached on one channel (0009; the columns were on `customers`).

    `channel` names the edge ("telegram", ...), `address` is where that edge delivers (a
    chat id, as text) and `user_ref` who linked it there, as the edge knows them. An
    address belongs to one customer and a customer has one address per channel. A channel
    that refuses delivery (the customer blocked the bot) is `reachable` false until the
    customer comes back; it does not stop surveys on the customer's other channels.
    """

    __tablename__ = "customer_channels"
    __table_args__ = (
        UniqueConstraint("channel", "address", name="uq_customer_channels_channel_address"),
        UniqueConstraint("customer_id", "channel", name="uq_customer_channels_customer_channel"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(255))
    user_ref: Mapped[str | None] = mapped_column(String(255))
    # When the customer linked this address; unknown (NULL) for bindings made by hand.
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reachable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Churn(Base):
    """One churn episode: when a customer left, why, and when (if ever) they came back."""

    __tablename__ = "churns"
    __table_args__ = (
        CheckConstraint(_in("churn_type", CHURN_TYPES), name="churn_type_known"),
        CheckConstraint(_in("cause", CHURN_CAUSES), name="cause_known"),
        Index("ix_churns_customer_id_churned_at", "customer_id", "churned_at"),
        Index("ix_churns_churned_at", "churned_at"),
        Index("ix_churns_reactivated_at", "reactivated_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    churned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    churn_type: Mapped[str] = mapped_column(String(16))
    cause: Mapped[str] = mapped_column(String(32))
    reactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship(back_populates="churns")


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(_in("type", EVENT_TYPES), name="type_known"),
        Index("ix_events_customer_id_occurred_at", "customer_id", "occurred_at"),
        # 0003: covers the at-risk list's activity counts (type and time range -> customer).
        Index("ix_events_type_occurred_at_customer_id", "type", "occurred_at", "customer_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SurveySession(Base):
    """One survey put to one customer (or one response imported from another tool)."""

    __tablename__ = "survey_sessions"
    __table_args__ = (
        CheckConstraint(_in("survey", SURVEY_KINDS), name="survey_known"),
        CheckConstraint(_in("status", SESSION_STATUSES), name="status_known"),
        UniqueConstraint("trigger_event_id", "survey", name="uq_survey_sessions_trigger"),
        Index("ix_survey_sessions_customer_id_created_at", "customer_id", "created_at"),
        Index("ix_survey_sessions_status_expires_at", "status", "expires_at"),
        Index("ix_survey_sessions_sent_at", "sent_at"),
        # At most one open survey per customer: two senders racing (two processes, or a
        # scheduler and a manual send) cannot both start one; the loser's insert fails.
        Index(
            "uq_survey_sessions_one_open",
            "customer_id",
            unique=True,
            sqlite_where=text(_in("status", OPEN_SESSION_STATUSES)),
            postgresql_where=text(_in("status", OPEN_SESSION_STATUSES)),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    survey: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    current_step: Mapped[str | None] = mapped_column(String(64))
    source_ref: Mapped[str | None] = mapped_column(String(255), unique=True)
    trigger_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL")
    )
    save_opportunity: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 0009: the channel's reference of the message that asks the current question.
    message_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    answers: Mapped[list[Answer]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )


class Answer(Base):
    """One answered question. `score` for scales, `choice` for buttons, `text` for free text."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("session_id", "question", name="uq_answers_session_question"),
        # Covering: the digest's weekly scores read this index alone (migration 0006).
        Index(
            "ix_answers_survey_answered_at_scores",
            "survey",
            "answered_at",
            "question",
            "score",
            "session_id",
        ),
        Index("ix_answers_customer_id_answered_at", "customer_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("survey_sessions.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    survey: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(String(64))
    score: Mapped[int | None] = mapped_column(SmallInteger)
    choice: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    sentiment: Mapped[float | None] = mapped_column()
    sentiment_label: Mapped[str | None] = mapped_column(String(16))
    tagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tags_corrected: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    session: Mapped[SurveySession] = relationship(back_populates="answers")
    tags: Mapped[list[AnswerTag]] = relationship(
        back_populates="answer", cascade="all, delete-orphan", passive_deletes=True
    )


class AnswerTag(Base):
    __tablename__ = "answer_tags"
    __table_args__ = (
        UniqueConstraint("answer_id", "reason", name="uq_answer_tags_answer_reason"),
        CheckConstraint(_in("source", TAG_SOURCES), name="source_known"),
        Index("ix_answer_tags_reason", "reason"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16), default="rules")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    answer: Mapped[Answer] = relationship(back_populates="tags")


class TagCorrection(Base):
    """A staff member's correction of an answer's reasons, kept to improve the rules."""

    __tablename__ = "tag_corrections"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    corrected_by: Mapped[str] = mapped_column(String(255))
    reasons_before: Mapped[str] = mapped_column(Text)
    reasons_after: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaggerModel(Base):
    """A company model of the learned tagging layer (insights.tagging.company): JSON arrays,
    never a pickle. The newest row of a language is the one in use."""

    __tablename__ = "tagger_models"
    __table_args__ = (
        UniqueConstraint("version", name="uq_tagger_models_version"),
        Index("ix_tagger_models_lang_id", "lang", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    lang: Mapped[str] = mapped_column(String(8))
    version: Mapped[str] = mapped_column(String(64))
    base_version: Mapped[str | None] = mapped_column(String(64))
    n_labels: Mapped[int] = mapped_column(Integer)
    scores: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowUp(Base):
    __tablename__ = "follow_ups"
    __table_args__ = (
        CheckConstraint(_in("status", FOLLOW_UP_STATUSES), name="status_known"),
        Index("ix_follow_ups_status_created_at", "status", "created_at"),
        Index("ix_follow_ups_customer_id", "customer_id"),
        # Added in 0004: one alert (kind "alert") per survey session.
        UniqueConstraint("session_id", "kind", name="uq_follow_ups_session_kind"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_sessions.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")
    assignee: Mapped[str | None] = mapped_column(String(255))
    # 0009: where the alert's message was posted and the platform's reference to it.
    post_destination: Mapped[str | None] = mapped_column(String(64))
    post_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Added in 0004: the rule that raised an alert (insights.alerts.Trigger) and when
    # someone took it.
    alert_trigger: Mapped[str | None] = mapped_column(String(32))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Added in 0005: who is posting the alert's first Slack message, since when.
    post_claim_token: Mapped[str | None] = mapped_column(String(64))
    post_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DigestPost(Base):
    """One digest for one week to one destination; the unique key makes posting exactly-once."""

    __tablename__ = "digest_posts"
    __table_args__ = (
        UniqueConstraint("week", "destination", name="uq_digest_posts_week_destination"),
        CheckConstraint(_in("status", DIGEST_POST_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    week: Mapped[str] = mapped_column(String(10))
    destination: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Added in 0003. A 'pending' row is claimed by the process holding `claim_token` since
    # `claimed_at` (refreshed before every attempt); a claim older than the stale limit may
    # be taken over. `progress` (JSON) remembers the parts already delivered, so a retry
    # does not post them twice.
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress: Mapped[str | None] = mapped_column(Text)


class SchedulerJob(Base):
    """APScheduler's job store (`SQLAlchemyJobStore`), in the product database.

    Declared here, with the columns APScheduler 3.x defines, only so that migrations stay
    the one source of the schema (APScheduler would otherwise create the table itself);
    nothing but the scheduler reads or writes it. `job_state` is a pickled job.
    """

    __tablename__ = "apscheduler_jobs"

    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)


class InboxItem(Base):
    """An inbound update (a Telegram update, ...), stored before it is acknowledged.

    The platform is told "received" only after this row is committed; a worker then claims
    it (a lease: `claimed_by` until `claimed_until`), handles it and sets `processed_at`.
    Items of one `chat_key` are handled in arrival order, one at a time. A failure is
    retried at `next_try_at` with backoff; after the last try the item is `parked_at` with
    its error, shown in /healthz, never dropped. Redeliveries hit the unique key and are
    ignored. The payload is cleared once handled (the answer itself is stored elsewhere);
    handled rows are pruned after a few days.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("source", "delivery_id", name="uq_inbox_source_delivery_id"),
        Index("ix_inbox_pending", "processed_at", "parked_at", "next_try_at"),
        Index("ix_inbox_chat_key", "chat_key", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    delivery_id: Mapped[str] = mapped_column(String(64))
    chat_key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    parked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class RiskModelRow(Base):
    """One fit of the churn-risk model (migration 0012): plain JSON, never a pickle.

    The model in use is the `adopted` row with the highest `version`; a refit that
    backtested worse than it is stored as `rejected`, with the reason in `note`.
    """

    __tablename__ = "risk_models"
    __table_args__ = (
        CheckConstraint(_in("status", RISK_MODEL_STATUSES), name="status_known"),
        Index("ix_risk_models_status_version", "status", "version"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    horizon_days: Mapped[int] = mapped_column(Integer)
    training_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    training_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    model: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
