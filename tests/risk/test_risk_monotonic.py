"""A worse signal never lowers the score, and the score stays within 0-100."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from insights.risk import CHURN_REASONS, RiskSignals, parse_weights, score

AS_OF = datetime(2026, 11, 24, tzinfo=UTC)
# Some risk already (new-ish, lukewarm NPS) so a change is not hidden at the baseline,
# but far from 100 so it is not hidden by saturation either.
BACKGROUND = RiskSignals(
    as_of=AS_OF, mrr=Decimal("50"), tenure_days=400.0, latest_nps=6, latest_nps_at=AS_OF
)


def day(n: float) -> datetime:
    return AS_OF - timedelta(days=n)


# Each row: field and values from best to worst (plus fixed extra fields).
WORSENING: list[tuple[str, list[Any], dict[str, Any]]] = [
    ("tenure_days", [3000, 730, 365, 180, 90, 31, 30, 5, 0], {}),
    ("latest_nps", [10, 9, 8, 7, 6, 5, 3, 1, 0], {}),
    ("latest_nps_at", [day(500), day(365), day(200), day(91), day(30), AS_OF], {"latest_nps": 2}),
    ("latest_csat", [5, 4, 3, 2, 1], {}),
    ("latest_csat_at", [day(400), day(300), day(100), day(1)], {"latest_csat": 1}),
    (
        "days_since_last_activity",
        [0, 3, 6.9, 7, 10, 20, 41, 100, 400],
        {"usual_activity_gap_days": 3.0},
    ),
    (
        "usual_activity_gap_days",
        [200, 60, 20.5, 20, 10, 3, 1, 0.1, 0],
        {"days_since_last_activity": 41.0},
    ),
    ("activity_percentile", [100, 60, 50, 40, 10, 0], {}),
    ("negative_feedback_count", [0, 1, 2, 3, 4, 9], {}),
    ("complaints_recent", [0, 1, 2, 3], {}),
    ("failed_payments_recent", [0, 1, 2, 3, 8], {}),
    ("unrecovered_payment_failure", [False, True], {}),
    ("support_tickets_recent", [0, 2, 3, 4, 5, 6, 20], {}),
    ("unanswered_surveys", [0, 1, 2, 3, 6], {}),
    ("exit_intent", [False, True], {}),
    ("monthly_contract", [None, False, True], {}),
    ("manual_payment", [None, False, True], {}),
    ("churn_reasons", [(), ("external",), ("external", "price"), tuple(CHURN_REASONS)], {}),
]


@pytest.mark.parametrize(("field", "values", "extra"), WORSENING, ids=[w[0] for w in WORSENING])
def test_risk_worse_signal_never_lowers_the_score(
    field: str, values: list[Any], extra: dict[str, Any]
) -> None:
    base = dataclasses.replace(BACKGROUND, **extra)
    scores = []
    for value in values:
        changes: dict[str, Any] = {field: value}
        scores.append(score(dataclasses.replace(base, **changes)).score)
    assert scores == sorted(scores), scores
    assert scores[-1] > scores[0], f"{field} does not move the score: {scores}"


def worsen(signals: RiskSignals, rnd: random.Random) -> RiskSignals:
    """The same customer with one randomly chosen signal made worse."""
    field = rnd.choice(WORSENING)[0]
    current = getattr(signals, field)
    value: Any
    if field in ("latest_nps_at", "latest_csat_at"):
        value = AS_OF  # the answer becomes fresher
    elif field == "churn_reasons":
        value = (*current, rnd.choice(sorted(CHURN_REASONS)))
    elif field in ("tenure_days", "latest_nps", "latest_csat", "usual_activity_gap_days"):
        if current is None:
            return signals
        floor = 1.0 if field == "latest_csat" else 0.0
        lower = max(floor, current - rnd.uniform(0, 50))
        value = int(lower) if isinstance(current, int) else lower
    elif field == "activity_percentile":
        value = (100.0 if current is None else current) / 2
    elif isinstance(current, bool) or current is None:
        value = True
    else:
        value = current + rnd.randint(1, 5)
    changes: dict[str, Any] = {field: value}
    return dataclasses.replace(signals, **changes)


def test_risk_random_customers_never_improve_when_a_signal_worsens() -> None:
    rnd = random.Random(7)
    for _ in range(3000):
        signals = RiskSignals(
            as_of=AS_OF,
            mrr=1.0,
            tenure_days=rnd.choice([None, rnd.uniform(0, 2000)]),
            latest_nps=rnd.choice([None, rnd.randint(0, 10)]),
            latest_nps_at=day(rnd.uniform(0, 400)),
            latest_csat=rnd.choice([None, rnd.randint(1, 5)]),
            latest_csat_at=day(rnd.uniform(0, 400)),
            days_since_last_activity=rnd.uniform(0, 90),
            usual_activity_gap_days=rnd.choice([None, rnd.uniform(0, 40)]),
            activity_percentile=rnd.choice([None, rnd.uniform(0, 100)]),
            support_tickets_recent=rnd.randint(0, 6),
            failed_payments_recent=rnd.randint(0, 2),
        )
        worse = worsen(signals, rnd)
        before, after = score(signals), score(worse)
        assert after.probability >= before.probability - 1e-12, (signals, worse)
        assert after.score >= before.score


def test_risk_score_stays_within_0_and_100() -> None:
    everything = RiskSignals(
        as_of=AS_OF,
        mrr=10,
        tenure_days=0,
        latest_nps=0,
        latest_nps_at=AS_OF,
        latest_csat=1,
        latest_csat_at=AS_OF,
        negative_feedback_count=50,
        complaints_recent=50,
        churn_reasons=tuple(CHURN_REASONS),
        days_since_last_activity=10_000,
        usual_activity_gap_days=0,
        activity_percentile=0,
        failed_payments_recent=50,
        unrecovered_payment_failure=True,
        support_tickets_recent=500,
        unanswered_surveys=50,
        exit_intent=True,
        monthly_contract=True,
        manual_payment=True,
    )
    nothing = RiskSignals(as_of=AS_OF, mrr=10)
    assert score(everything).score == 100
    assert 0 <= score(nothing).score < 10
    assert score(nothing, parse_weights("[model]\nbaseline_log_odds = -1000.0")).score == 0
    assert score(everything, parse_weights("[model]\nbaseline_log_odds = 1000.0")).score == 100
