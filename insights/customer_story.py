"""One customer's story, for staff who ask "what is going on with this customer?".

Finding them (`find_customers`): an exact external id first, then an exact email (case
does not matter), then part of a name or an email. Exact matches win outright, so an
id that also appears inside some names still finds one customer.

The story (`customer_story`): who they are (plan, MRR, since when, churned or not), their
risk score and why (the at-risk list's own rules), the surveys they were sent and what
they answered, their tagged feedback in their own words, their events (cancellations,
failed payments, activity summarised), churn episodes, and the team's follow-ups. Each
list is the most recent few, with the total, so the story stays readable in chat.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, Row, Select, func, or_, select
from sqlalchemy.orm import Session

from insights.at_risk import assess_customer
from insights.risk import Weights
from insights.timeparse import TimeWindow
from storage.models import (
    Answer,
    AnswerTag,
    Churn,
    Customer,
    Event,
    FollowUp,
    SurveySession,
)

PICK_LIMIT = 10
RECENT_SURVEYS = 8
RECENT_FEEDBACK = 5
RECENT_EVENTS = 8
RECENT_FOLLOW_UPS = 5
EVENT_WINDOW = timedelta(days=90)
# Shown one by one; activity and purchases are summarised (there may be thousands).
NOTABLE_EVENTS = (
    "subscription_started",
    "subscription_changed",
    "subscription_cancelled",
    "payment_failed",
    "payment_succeeded",
    "support_ticket_closed",
)


@dataclass(frozen=True)
class CustomerMatch:
    external_id: str
    name: str | None
    email: str | None
    plan: str | None
    status: str
    mrr: Decimal


@dataclass(frozen=True)
class Matches:
    found: list[CustomerMatch]  # at most `limit`
    total: int


def _matches() -> Select[str, str | None, str | None, str | None, str, Decimal]:
    return select(
        Customer.external_id,
        Customer.name,
        Customer.email,
        Customer.plan,
        Customer.status,
        Customer.mrr,
    )


def _match(row: Row[str, str | None, str | None, str | None, str, Decimal]) -> CustomerMatch:
    external_id, name, email, plan, status, mrr = row
    return CustomerMatch(external_id, name, email, plan, status, mrr)


def find_customers(session: Session, term: str, limit: int = PICK_LIMIT) -> Matches:
    """Customers matching an external id, an email, or part of a name or email."""
    term = term.strip()
    if not term:
        return Matches([], 0)
    exact = session.execute(_matches().where(Customer.external_id == term)).all()
    if not exact:
        exact = session.execute(
            _matches()
            .where(func.lower(Customer.email) == term.lower())
            .order_by(Customer.external_id)
            .limit(limit)
        ).all()
    if exact:
        return Matches([_match(row) for row in exact], len(exact))
    needle = term.lower()
    where = or_(
        func.lower(Customer.name).contains(needle, autoescape=True),
        func.lower(Customer.email).contains(needle, autoescape=True),
    )
    total = int(session.scalar(select(func.count()).where(where)) or 0)
    rows = session.execute(
        _matches()
        .where(where)
        .order_by(Customer.status, Customer.mrr.desc(), Customer.external_id)
        .limit(limit)
    ).all()
    return Matches([_match(row) for row in rows], total)


@dataclass(frozen=True)
class RiskView:
    score: int  # the probability in whole percent
    reasons: tuple[str, ...]
    revenue_at_risk: Decimal  # MRR x probability
    probability: float = 0.0  # of churning within horizon_days
    horizon_days: int | None = None


@dataclass(frozen=True)
class SurveyLine:
    survey: str
    status: str
    at: datetime  # completed, else sent, else created
    score: int | None
    chosen_reason: str | None
    save_opportunity: bool


@dataclass(frozen=True)
class FeedbackLine:
    survey: str
    answered_at: datetime
    text: str
    reasons: tuple[str, ...]
    sentiment_label: str | None
    corrected: bool
    learned: tuple[str, ...] = ()
    """The reasons only the learned model found (no rule, no staff): a likely reading, not
    a quoted phrase, so staff see which tags to check before acting on them."""


@dataclass(frozen=True)
class EventLine:
    type: str
    occurred_at: datetime
    amount: Decimal | None


@dataclass(frozen=True)
class ChurnLine:
    churned_at: datetime
    churn_type: str
    cause: str
    reactivated_at: datetime | None


@dataclass(frozen=True)
class FollowUpLine:
    kind: str
    trigger: str | None
    status: str
    assignee: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CustomerStory:
    as_of: datetime
    customer: CustomerMatch
    signed_up_at: datetime
    churned_at: datetime | None
    churn_type: str | None
    last_activity_at: datetime | None
    language: str | None
    risk: RiskView | None  # None: not an active customer
    surveys: list[SurveyLine]
    surveys_total: int
    feedback: list[FeedbackLine]
    feedback_total: int
    event_counts: dict[str, int]  # by type, within EVENT_WINDOW
    events: list[EventLine]  # recent notable events (not activity)
    churns: list[ChurnLine]
    follow_ups: list[FollowUpLine]
    follow_ups_total: int


def customer_story(
    session: Session, external_id: str, as_of: datetime, weights: Weights
) -> CustomerStory | None:
    customer = session.scalar(select(Customer).where(Customer.external_id == external_id))
    if customer is None:
        return None
    cid = customer.id
    assessment = assess_customer(session, cid, as_of, weights)
    risk = None
    if assessment is not None:
        risk = RiskView(
            assessment.score,
            tuple(assessment.top_reasons(3)),
            assessment.revenue_at_risk(customer.mrr),
            assessment.probability,
            assessment.horizon_days,
        )
    return CustomerStory(
        as_of=as_of,
        customer=CustomerMatch(
            customer.external_id,
            customer.name,
            customer.email,
            customer.plan,
            customer.status,
            customer.mrr,
        ),
        signed_up_at=customer.signed_up_at,
        churned_at=customer.churned_at,
        churn_type=customer.churn_type,
        last_activity_at=customer.last_activity_at,
        language=customer.language,
        risk=risk,
        surveys=_surveys(session, cid),
        surveys_total=_count(session, SurveySession.customer_id == cid),
        feedback=_feedback(session, cid, TimeWindow.until(as_of)),
        feedback_total=_count(
            session, Answer.customer_id == cid, Answer.text.is_not(None), Answer.text != ""
        ),
        event_counts=_event_counts(session, cid, as_of),
        events=_events(session, cid, TimeWindow.until(as_of)),
        churns=[
            ChurnLine(c.churned_at, c.churn_type, c.cause, c.reactivated_at)
            for c in session.scalars(
                select(Churn).where(Churn.customer_id == cid).order_by(Churn.churned_at.desc())
            )
        ],
        follow_ups=[
            FollowUpLine(f.kind, f.alert_trigger, f.status, f.assignee, f.created_at, f.updated_at)
            for f in session.scalars(
                select(FollowUp)
                .where(FollowUp.customer_id == cid)
                .order_by(FollowUp.created_at.desc(), FollowUp.id.desc())
                .limit(RECENT_FOLLOW_UPS)
            )
        ],
        follow_ups_total=_count(session, FollowUp.customer_id == cid),
    )


def _count(session: Session, *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).where(*where)) or 0)


def _surveys(session: Session, cid: int) -> list[SurveyLine]:
    rows = list(
        session.scalars(
            select(SurveySession)
            .where(SurveySession.customer_id == cid)
            .order_by(SurveySession.created_at.desc(), SurveySession.id.desc())
            .limit(RECENT_SURVEYS)
        )
    )
    answers: dict[tuple[int, str], Answer] = {}
    if rows:
        for a in session.scalars(
            select(Answer).where(
                Answer.session_id.in_([r.id for r in rows]),
                Answer.question.in_(("score", "reason")),
            )
        ):
            answers[(a.session_id, a.question)] = a
    lines = []
    for r in rows:
        scored = answers.get((r.id, "score"))
        reason = answers.get((r.id, "reason"))
        lines.append(
            SurveyLine(
                survey=r.survey,
                status=r.status,
                at=r.completed_at or r.sent_at or r.created_at,
                score=scored.score if scored else None,
                chosen_reason=reason.choice if reason else None,
                save_opportunity=r.save_opportunity,
            )
        )
    return lines


def _feedback(session: Session, cid: int, window: TimeWindow) -> list[FeedbackLine]:
    rows = list(
        session.scalars(
            select(Answer)
            .where(Answer.customer_id == cid, Answer.text.is_not(None), Answer.text != "")
            # A value stored before times were checked (year 9999) is not a story to tell,
            # and would overflow when shown in an east-of-UTC timezone.
            .where(Answer.answered_at.between(window.earliest, window.latest))
            .order_by(Answer.answered_at.desc(), Answer.id.desc())
            .limit(RECENT_FEEDBACK)
        )
    )
    tags: dict[int, list[str]] = {}
    learned: dict[int, list[str]] = {}
    if rows:
        for answer_id, reason, source in session.execute(
            select(AnswerTag.answer_id, AnswerTag.reason, AnswerTag.source)
            .where(AnswerTag.answer_id.in_([r.id for r in rows]))
            .order_by(AnswerTag.id)
        ):
            tags.setdefault(answer_id, []).append(reason)
            if source == "model":
                learned.setdefault(answer_id, []).append(reason)
    return [
        FeedbackLine(
            survey=r.survey,
            answered_at=r.answered_at,
            text=r.text or "",
            reasons=tuple(tags.get(r.id, ())),
            sentiment_label=r.sentiment_label,
            corrected=r.tags_corrected,
            learned=tuple(learned.get(r.id, ())),
        )
        for r in rows
    ]


def _event_counts(session: Session, cid: int, as_of: datetime) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for kind, n in session.execute(
        select(Event.type, func.count())
        .where(
            Event.customer_id == cid,
            Event.occurred_at >= as_of - EVENT_WINDOW,
            Event.occurred_at <= as_of,
        )
        .group_by(Event.type)
    ):
        counts[kind] = int(n)
    return dict(counts)


def _events(session: Session, cid: int, window: TimeWindow) -> list[EventLine]:
    return [
        EventLine(e.type, e.occurred_at, e.amount)
        for e in session.scalars(
            select(Event)
            .where(Event.customer_id == cid, Event.type.in_(NOTABLE_EVENTS))
            .where(Event.occurred_at.between(window.earliest, window.latest))
            .order_by(Event.occurred_at.desc(), Event.id.desc())
            .limit(RECENT_EVENTS)
        )
    ]
