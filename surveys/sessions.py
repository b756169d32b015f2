"""A customer's survey sessions: open one, expire the overdue ones, cancel the open one.

The dispatcher (Telegram sends), the terminal chat and the customer's /stop and /forget
all open and close sessions; these functions are the one definition of how, so "open"
means the same everywhere: a status in OPEN_SESSION_STATUSES and not past `expires_at`.
Each runs inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import OPEN_SESSION_STATUSES, Customer, SurveySession
from surveys import engine
from surveys._sql import affected
from surveys.errors import SurveyRefused, UnknownCustomer
from surveys.model import Survey


def expire_overdue(session: Session, customer_id: int, now: datetime) -> int:
    """Close this customer's sessions past their expiry, so they no longer count as open."""
    return affected(
        session.execute(
            update(SurveySession)
            .where(
                SurveySession.customer_id == customer_id,
                SurveySession.status.in_(OPEN_SESSION_STATUSES),
                SurveySession.expires_at <= now,
            )
            .values(status="expired", updated_at=now)
        )
    )


def cancel_open(
    session: Session, customer_id: int, now: datetime, session_id: int | None = None
) -> int:
    """Cancel the customer's open session (or just `session_id`); answers given stay."""
    where = [
        SurveySession.customer_id == customer_id,
        SurveySession.status.in_(OPEN_SESSION_STATUSES),
    ]
    if session_id is not None:
        where.append(SurveySession.id == session_id)
    return affected(
        session.execute(
            update(SurveySession)
            .where(*where)
            .values(status="cancelled", current_step=None, updated_at=now)
        )
    )


def open_survey(session: Session, customer_id: int, now: datetime) -> str | None:
    """The survey the customer has open and not expired, if any."""
    return session.execute(
        select(SurveySession.survey)
        .where(
            SurveySession.customer_id == customer_id,
            SurveySession.status.in_(OPEN_SESSION_STATUSES),
            (SurveySession.expires_at.is_(None)) | (SurveySession.expires_at > now),
        )
        .limit(1)
    ).scalar_one_or_none()


def start(
    session: Session,
    customer_id: int,
    survey: Survey,
    *,
    channel: str,
    language: str | None,
    now: datetime,
    expires_after: timedelta,
    status: str = "scheduled",
    trigger_event_id: int | None = None,
) -> SurveySession:
    """Insert a session at the survey's first step.

    The unique open-session index makes a concurrent second start fail with
    IntegrityError at the flush: one open survey per customer, decided by the database.
    "scheduled" is a send reserved but not made yet; "in_progress" is someone answering
    now (the terminal), which the reminder run leaves alone.
    """
    row = SurveySession(
        customer_id=customer_id,
        survey=survey.key,
        status=status,
        channel=channel,
        language=language,
        current_step=engine.start(survey),
        trigger_event_id=trigger_event_id,
        expires_at=now + expires_after,
        sent_at=now if status == "in_progress" else None,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def start_at_keyboard(
    session: Session,
    external_id: str,
    survey: Survey,
    *,
    channel: str,
    language: str | None,
    now: datetime,
    expires_after: timedelta,
) -> tuple[int, int, str | None]:
    """Start a survey someone answers now (the terminal): refused while another is open.

    Returns the session id, the customer id and the customer's language. The session is
    "in_progress" from the start: a "sent" one would be picked up by the reminder run.
    """
    customer = session.execute(
        select(Customer).where(Customer.external_id == external_id).with_for_update()
    ).scalar_one_or_none()
    if customer is None:
        raise UnknownCustomer(f"no customer with external id {external_id!r}")
    kind = open_survey(session, customer.id, now)
    if kind is not None:
        raise SurveyRefused(
            "open_survey",
            f"{external_id} has an open {kind} survey; it must be answered or expire first",
        )
    expire_overdue(session, customer.id, now)
    row = start(
        session,
        customer.id,
        survey,
        channel=channel,
        language=language,
        now=now,
        expires_after=expires_after,
        status="in_progress",
    )
    return row.id, customer.id, customer.language
