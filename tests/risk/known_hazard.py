"""A generated company whose churn hazard is known exactly, written straight to the database.

Every customer is active regularly (one activity event every 6 days) and pays monthly. Half of
them are unhappy: they answer NPS 2 every 60 days and churn with `UNHAPPY` probability per
30 days; the others answer NPS 9 and churn with `HAPPY` probability. New customers sign up
all year, so the active base stays about constant. A churn is a `subscription_cancelled`.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.orm import Session

from insights import lifecycle
from storage.models import Answer, Customer, Event, SurveySession

HAPPY = 0.02
UNHAPPY = 0.15


def daily(p30: float) -> float:
    return 1 - (1 - p30) ** (1 / 30)


def generate(
    session: Session, now: datetime, customers: int = 1500, days: int = 360, seed: int = 1
) -> dict[str, int]:
    rng = random.Random(seed)
    start = now - timedelta(days=days)
    people, events, sessions, answers = [], [], [], []
    n_events = 0
    for n in range(customers):
        # Two thirds there from the start, the rest signing up along the way.
        signed = (
            start - timedelta(days=rng.uniform(30, 400))
            if n % 3
            else (start + timedelta(days=rng.uniform(0, days - 40)))
        )
        unhappy = n % 2 == 0
        hazard = daily(UNHAPPY if unhappy else HAPPY)
        begin = max(signed, start)
        t = begin
        churned = None
        while t < now - timedelta(hours=1):
            if rng.random() < hazard:
                churned = t + timedelta(hours=rng.uniform(0, 23))
                break
            t += timedelta(days=1)
        end = churned or now
        people.append(
            {
                "id": n + 1,
                "external_id": f"K{n:05d}",
                "signed_up_at": signed,
                "mrr": Decimal("50.00"),
                "status": "active",
                "lifecycle_stale": True,
                "created_at": signed,
                "updated_at": signed,
            }
        )

        def event(kind: str, at: datetime, who: int = n + 1) -> None:
            nonlocal n_events
            n_events += 1
            events.append(
                {
                    "event_id": f"k{n_events}",
                    "customer_id": who,
                    "type": kind,
                    "occurred_at": at,
                    "created_at": at,
                    "updated_at": at,
                }
            )

        t = begin + timedelta(hours=rng.uniform(0, 72))
        while t < end:
            event("activity", t)
            t += timedelta(days=6)
        # Everyone has an answer from day one, so the NPS tells the hazard at every date.
        t = max(signed + timedelta(days=1), begin - timedelta(days=rng.uniform(0, 59)))
        while t < end:
            sid = len(sessions) + 1
            sessions.append(
                {
                    "id": sid,
                    "customer_id": n + 1,
                    "survey": "nps",
                    "status": "completed",
                    "channel": "telegram",
                    "created_at": t,
                    "updated_at": t,
                    "sent_at": t,
                    "completed_at": t,
                }
            )
            answers.append(
                {
                    "session_id": sid,
                    "customer_id": n + 1,
                    "survey": "nps",
                    "question": "score",
                    "score": 2 if unhappy else 9,
                    "answered_at": t,
                    "channel": "telegram",
                    "created_at": t,
                    "updated_at": t,
                }
            )
            t += timedelta(days=60)
        if churned is not None:
            event("subscription_cancelled", churned)
    session.execute(insert(Customer), people)
    for part in range(0, len(events), 5000):
        session.execute(insert(Event), events[part : part + 5000])
    session.execute(insert(SurveySession), sessions)
    session.execute(insert(Answer), answers)
    session.flush()
    lifecycle.refresh(session, now, timedelta(days=14))
    return {"customers": customers, "events": len(events), "answers": len(answers)}
