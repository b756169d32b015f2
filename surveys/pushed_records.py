"""What records pushed through the API set in motion: surveys to send, answers to alert on.

A CRM posting a cancellation expects the exit interview to go out; a survey tool posting a
recent detractor's answer expects staff to hear of it. These rules decide which stored
records do, so the API edge only hands over what it stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Event, SurveySession
from surveys.conversation import completed_surveys
from surveys.definitions import builtin_surveys
from surveys.hooks import CompletedSurvey


def trigger_types() -> frozenset[str]:
    """Event types that start a survey (subscription_cancelled, support_ticket_closed)."""
    return frozenset(
        survey.schedule.trigger_event
        for survey in builtin_surveys().values()
        if survey.schedule.trigger_event
    )


def stored_event_ids(
    factory: sessionmaker[Session], records: list[Mapping[str, Any]], types: frozenset[str]
) -> list[int]:
    """Database ids of the accepted records whose type triggers a survey."""
    wanted = [
        str(record["event_id"]).strip()
        for record in records
        if str(record.get("type", "")).strip().lower() in types
    ]
    if not wanted:
        return []
    with factory() as session:
        return list(session.scalars(select(Event.id).where(Event.event_id.in_(wanted))))


def recent_completed(
    factory: sessionmaker[Session],
    records: list[Mapping[str, Any]],
    earliest: datetime,
    latest: datetime,
) -> list[CompletedSurvey]:
    """The surveys these accepted responses stored, when completed in [earliest, latest]
    (the alert window, `insights.alerts.alert_window`)."""
    refs = [str(record["response_id"]).strip() for record in records]
    with factory() as session:
        ids = list(
            session.scalars(
                select(SurveySession.id).where(
                    SurveySession.source_ref.in_(refs),
                    SurveySession.completed_at.between(earliest, latest),
                )
            )
        )
        return completed_surveys(session, ids) if ids else []
