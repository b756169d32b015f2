"""Terse constructors for test data, so a test reads as its scenario, not as ORM calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Answer, Customer, CustomerChannel, Event, SurveySession

_ids = count(1)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def at(day: int, hour: int = 12) -> datetime:
    """Day N of 2026 (1 = 1 January) at an hour, UTC."""
    return EPOCH + timedelta(days=day - 1, hours=hour)


def customer(
    session: Session, signed_up_at: datetime, mrr: str = "10", **fields: object
) -> Customer:
    n = next(_ids)
    row = Customer(
        external_id=str(fields.pop("external_id", f"c{n}")),
        signed_up_at=signed_up_at,
        mrr=Decimal(mrr),
        status="active",
        created_at=signed_up_at,
        updated_at=signed_up_at,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def link(
    session: Session,
    customer_id: int,
    chat: int | str,
    *,
    channel: str = "telegram",
    user: int | str | None = None,
    linked_at: datetime | None = None,
    reachable: bool = True,
) -> CustomerChannel:
    """Bind a customer to a chat (an address on `channel`), as /start with a link does."""
    row = CustomerChannel(
        customer_id=customer_id,
        channel=channel,
        address=str(chat),
        user_ref=str(user) if user is not None else None,
        linked_at=linked_at,
        reachable=reachable,
        unreachable_at=None if reachable else linked_at,
    )
    session.add(row)
    session.flush()
    return row


def binding(
    factory: sessionmaker[Session], customer_id: int, channel: str = "telegram"
) -> CustomerChannel | None:
    """The customer's binding on `channel` (their Telegram chat by default), or None."""
    with factory() as session:
        return session.scalar(
            select(CustomerChannel).where(
                CustomerChannel.customer_id == customer_id, CustomerChannel.channel == channel
            )
        )


def chat_of(factory: sessionmaker[Session], customer_id: int) -> int | None:
    """The Telegram chat id the customer is linked to, or None."""
    row = binding(factory, customer_id)
    return int(row.address) if row is not None else None


def event(
    session: Session, who: Customer, kind: str, when: datetime, amount: str | None = None
) -> Event:
    row = Event(
        event_id=f"e{next(_ids)}",
        customer_id=who.id,
        type=kind,
        occurred_at=when,
        amount=None if amount is None else Decimal(amount),
        created_at=when,
        updated_at=when,
    )
    session.add(row)
    who.lifecycle_stale = True  # as the importer does: churn is recomputed from events
    session.flush()
    return row


def answer(
    session: Session,
    who: Customer,
    survey: str,
    score: int | None,
    when: datetime,
    text: str | None = None,
    sent_at: datetime | None = None,
) -> SurveySession:
    survey_session = SurveySession(
        customer_id=who.id,
        survey=survey,
        status="completed",
        channel="telegram",
        created_at=when,
        updated_at=when,
        sent_at=sent_at,
        completed_at=when,
    )
    session.add(survey_session)
    session.flush()
    if score is not None:
        session.add(
            Answer(
                session_id=survey_session.id,
                customer_id=who.id,
                survey=survey,
                question="score",
                score=score,
                answered_at=when,
                channel="telegram",
                created_at=when,
                updated_at=when,
            )
        )
    if text is not None:
        session.add(
            Answer(
                session_id=survey_session.id,
                customer_id=who.id,
                survey=survey,
                question="comment",
                text=text,
                answered_at=when,
                channel="telegram",
                created_at=when,
                updated_at=when,
            )
        )
    session.flush()
    return survey_session
