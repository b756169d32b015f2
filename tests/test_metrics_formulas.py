"""Metric formulas against hand computation, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from builders import answer, customer, event
from insights import lifecycle, metrics
from insights.metrics import Period
from storage.models import Answer, Customer

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)
PERIOD = Period(START, END)
GRACE = timedelta(days=14)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def refresh(session):
    lifecycle.refresh(session, NOW, GRACE)


def compute(factory, period=PERIOD):
    with factory() as session, session.begin():
        refresh(session)
    with factory() as session:
        return metrics.compute(session, period)


def test_retention_200_start_30_new_20_lost(factory):
    """The textbook example: S=200, N=30, lost=20 -> E=210, CRR 90%, churn 10%."""
    before = START - timedelta(days=40)
    with factory() as session, session.begin():
        existing = [customer(session, before + timedelta(hours=i)) for i in range(200)]
        for i, who in enumerate(existing[:12]):
            event(session, who, "subscription_cancelled", START + timedelta(days=1 + i))
        for i, who in enumerate(existing[12:20]):
            event(session, who, "payment_failed", START + timedelta(days=2 + i))
        # A failed payment that was recovered inside the grace period is not churn.
        event(session, existing[30], "payment_failed", START + timedelta(days=3))
        event(session, existing[30], "payment_succeeded", START + timedelta(days=10))
        for i in range(30):
            customer(session, START + timedelta(days=i % 28, hours=1))
        # Outside the period on both sides: must not move any figure.
        gone = customer(session, before)
        event(session, gone, "subscription_cancelled", START - timedelta(days=5))
        customer(session, END + timedelta(days=1))
    result = compute(factory)
    assert result.customers_start == 200
    assert result.new_customers == 30
    assert result.lost_customers == 20
    assert result.lost_voluntary == 12
    assert result.lost_involuntary == 8
    assert result.customers_end == 210
    assert result.retention_rate == 90.0
    assert result.churn_rate == 10.0
    assert result.voluntary_churn_rate == 6.0
    assert result.involuntary_churn_rate == 4.0
    assert result.arpu == Decimal("10.00")
    monthly_churn = 0.10 * 30.4375 / 31
    assert result.cltv == Decimal(str(round(10 / monthly_churn, 2)))


def test_nps_csat_and_response_rate(factory):
    with factory() as session, session.begin():
        who = customer(session, START - timedelta(days=100))
        day = START + timedelta(days=2)
        for score in (10, 10, 9, 9, 9, 8, 7, 7, 6, 0):
            answer(session, who, "nps", score, day)
        for score in (5, 4, 4, 3, 1):
            answer(session, who, "csat", score, day)
        answer(session, who, "nps", 0, START - timedelta(seconds=1))  # before: ignored
        sent = [answer(session, who, "nps", None, day, sent_at=day) for _ in range(4)]
        for survey_session in sent[:3]:  # sent in the period; three of four answered
            session.add(
                Answer(
                    session_id=survey_session.id,
                    customer_id=who.id,
                    survey="nps",
                    question="comment",
                    text="ok",
                    answered_at=day,
                    channel="telegram",
                    created_at=day,
                    updated_at=day,
                )
            )
    result = compute(factory)
    assert (result.promoters, result.passives, result.detractors) == (5, 3, 2)
    assert result.nps_responses == 10
    assert result.nps == 30.0
    assert result.csat_responses == 5
    assert result.csat == 60.0
    assert result.surveys_sent == 4
    assert result.surveys_answered == 3
    assert result.response_rate == 75.0


def test_empty_period_reports_undefined_not_zero(factory):
    result = compute(factory)
    assert result.customers_start == 0
    assert result.retention_rate is None
    assert result.churn_rate is None
    assert result.nps is None
    assert result.csat is None
    assert result.response_rate is None
    assert result.arpu is None
    assert result.cltv is None
    assert result.as_json()["retention_rate"] is None


def test_no_churn_gives_zero_churn_and_undefined_cltv(factory):
    with factory() as session, session.begin():
        customer(session, START - timedelta(days=3))
    result = compute(factory)
    assert result.churn_rate == 0.0
    assert result.retention_rate == 100.0
    assert result.cltv is None


def test_boundaries_from_inclusive_to_exclusive(factory):
    with factory() as session, session.begin():
        at_start = customer(session, START)  # new in the period, not at start
        old = customer(session, START - timedelta(days=1))
        leaves_at_start = customer(session, START - timedelta(days=1))
        leaves_at_end = customer(session, START - timedelta(days=1))
        event(session, leaves_at_start, "subscription_cancelled", START)
        event(session, leaves_at_end, "subscription_cancelled", END)
        customer(session, END)  # signed up at `to`: next period
        answer(session, old, "nps", 10, START)
        answer(session, old, "nps", 0, END)
        answer(session, at_start, "csat", 5, END - timedelta(microseconds=1))
    result = compute(factory)
    assert result.customers_start == 3
    assert result.new_customers == 1
    assert result.lost_customers == 1
    assert result.customers_end == 3  # old, leaves_at_end, at_start
    assert result.nps_responses == 1
    assert result.nps == 100.0
    assert result.csat_responses == 1


def test_reactivation_keeps_past_period_figures(factory):
    """Churned in March, back in May: March still shows the loss."""
    with factory() as session, session.begin():
        who = customer(session, START - timedelta(days=10))
        event(session, who, "subscription_cancelled", START + timedelta(days=5))
        event(session, who, "subscription_started", END + timedelta(days=30))
    march = compute(factory)
    assert march.lost_customers == 1
    assert march.customers_end == 0
    may = compute(factory, Period(END + timedelta(days=20), END + timedelta(days=50)))
    assert may.customers_start == 0
    assert may.reactivated_customers == 1
    assert may.customers_end == 1


def test_involuntary_churn_waits_for_the_grace_period(factory):
    with factory() as session, session.begin():
        who = customer(session, START - timedelta(days=10))
        event(session, who, "payment_failed", START + timedelta(days=25))
    with factory() as session, session.begin():
        lifecycle.refresh(session, START + timedelta(days=30), GRACE)
    with factory() as session:
        assert metrics.compute(session, PERIOD).lost_customers == 0
    with factory() as session, session.begin():
        lifecycle.refresh(session, START + timedelta(days=40), GRACE)
    with factory() as session:
        assert metrics.compute(session, PERIOD).lost_involuntary == 1


@pytest.mark.parametrize(
    ("part", "whole", "expected"), [(1, 3, 33.33), (2, 3, 66.67), (0, 5, 0.0), (3, 0, None)]
)
def test_percent_rounds_and_guards_zero(part, whole, expected):
    assert metrics.percent(part, whole) == expected


def test_period_must_be_aware_and_ordered():
    with pytest.raises(ValueError):
        Period(END, START)
    with pytest.raises(ValueError):
        Period(datetime(2026, 1, 1), datetime(2026, 2, 1))


def test_inactivity_window_churns_through_refresh(factory):
    window = timedelta(days=30)
    with factory() as session, session.begin():
        idle = customer(session, START - timedelta(days=100))
        event(session, idle, "activity", START - timedelta(days=20))
        busy = customer(session, START - timedelta(days=100))
        event(session, busy, "purchase", START + timedelta(days=25))
    with factory() as session, session.begin():
        lifecycle.refresh(session, END, GRACE, window)
    with factory() as session:
        result = metrics.compute(session, PERIOD)
        assert result.lost_customers == 1
        assert result.lost_voluntary == 1
        assert session.get(Customer, busy.id).last_activity_at == START + timedelta(days=25)
        assert session.get(Customer, idle.id).churned_at == START + timedelta(days=10)
