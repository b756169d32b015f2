"""The digest's fused week series equals `insights.metrics.compute` week by week.

`insights.digest.series` reads 8 weeks in a few queries instead of calling metrics 8
times; this random company (churn, returns, late dunning, odd data) keeps the two in step.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from builders import answer, customer, event
from insights import lifecycle, metrics
from insights.digest import IsoWeek
from insights.digest.series import week_series
from storage.models import Answer, Churn

TZ = ZoneInfo("America/New_York")
LAST = IsoWeek(2026, 47)
WEEKS = [LAST.shift(offset) for offset in range(-7, 1)]
NOW = datetime(2026, 12, 31, tzinfo=UTC)
FIELDS = (
    "customers_start", "customers_end", "new_customers", "lost_customers", "lost_voluntary",
    "lost_involuntary", "churn_rate", "voluntary_churn_rate", "involuntary_churn_rate",
    "retention_rate", "nps", "nps_responses", "promoters", "detractors", "csat",
    "csat_responses", "surveys_sent", "response_rate",
)  # fmt: skip


def seed(factory, seed: int) -> None:
    rng = random.Random(seed)
    first, last = WEEKS[0].start(TZ) - timedelta(days=60), WEEKS[-1].end(TZ) + timedelta(days=3)
    span = (last - first).total_seconds()

    def moment() -> datetime:
        return first + timedelta(seconds=rng.uniform(0, span))

    with factory() as session, session.begin():
        for n in range(120):
            signed = moment() if n % 3 else first - timedelta(days=rng.uniform(1, 400))
            who = customer(session, signed, external_id=f"r{seed}-{n}")
            for _ in range(rng.randint(0, 3)):
                kind = rng.choice(
                    ["subscription_cancelled", "payment_failed", "payment_succeeded",
                     "subscription_started"]
                )  # fmt: skip
                event(session, who, kind, max(signed, moment()))
            for _ in range(rng.randint(0, 2)):
                survey = rng.choice(["nps", "csat"])
                score = rng.randint(0, 10) if survey == "nps" else rng.randint(1, 5)
                when = moment()
                sent = when - timedelta(hours=rng.uniform(1, 200)) if rng.random() < 0.7 else None
                answer(session, who, survey, score, when, sent_at=sent)
            if rng.random() < 0.2:  # a survey sent and never answered
                answer(session, who, "nps", None, moment(), sent_at=moment())
    with factory() as session, session.begin():
        lifecycle.refresh(session, NOW, timedelta(days=14))
    with factory() as session, session.begin():
        # Odd data: churn episodes dated before the customer's sign-up, across boundaries.
        for n in range(3):
            signed = WEEKS[2 + n].start(TZ) + timedelta(days=2)
            who = customer(session, signed, external_id=f"odd{seed}-{n}")
            session.add(
                Churn(
                    customer_id=who.id,
                    churned_at=signed - timedelta(days=10 + 7 * n),
                    churn_type="voluntary",
                    cause="cancelled",
                    reactivated_at=None if n else signed + timedelta(days=9),
                )
            )


@pytest.mark.parametrize("seed_value", [1, 2])
def test_series_equals_metrics_week_by_week(factory, seed_value):
    seed(factory, seed_value)
    with factory() as session:
        series = week_series(session, WEEKS, TZ)
        expected = [metrics.compute(session, week.period(TZ)) for week in WEEKS]
    assert any(e.lost_customers for e in expected) and any(e.nps is not None for e in expected)
    for got, want in zip(series, expected, strict=True):
        for name in FIELDS:
            assert getattr(got, name) == getattr(want, name), (got.week, name)


def test_responses_count_sessions_answered_in_the_week(factory):
    """An exit interview answered in two steps is one response; its week is the answer's."""
    with factory() as session, session.begin():
        who = customer(session, WEEKS[0].start(TZ) - timedelta(days=30))
        when = WEEKS[-1].start(TZ) + timedelta(hours=5)
        exit_session = answer(session, who, "exit", None, when, text="Too expensive")
        session.add(
            Answer(
                session_id=exit_session.id, customer_id=who.id, survey="exit", question="reason",
                choice="price", answered_at=when, channel="telegram", created_at=when,
                updated_at=when,
            )
        )  # fmt: skip
        answer(session, who, "nps", 9, WEEKS[-2].start(TZ) + timedelta(days=2))
    with factory() as session:
        series = week_series(session, WEEKS, TZ)
    assert [week.answers for week in series] == [0, 0, 0, 0, 0, 0, 1, 1]
