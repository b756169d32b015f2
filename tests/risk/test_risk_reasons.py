"""Hand-made customers: the score must name the reasons a retention manager expects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from insights.risk import RiskSignals, default_weights, score

AS_OF = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def customer(**overrides: Any) -> RiskSignals:
    """A settled, healthy customer (no risk evidence) with ``overrides`` applied."""
    fields: dict[str, Any] = {"as_of": AS_OF, "mrr": Decimal("100.00"), "tenure_days": 1500.0}
    fields.update(overrides)
    return RiskSignals(**fields)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"latest_nps": 3, "latest_nps_at": datetime(2026, 11, 2, tzinfo=UTC)}, "NPS 3 on 2 Nov"),
        ({"latest_nps": 0}, "NPS 0"),
        (
            {
                "as_of": datetime(2027, 1, 10, tzinfo=UTC),
                "latest_nps": 2,
                "latest_nps_at": datetime(2026, 12, 20, tzinfo=UTC),
            },
            "NPS 2 on 20 Dec 2026",
        ),
        (
            {"latest_csat": 2, "latest_csat_at": datetime(2026, 10, 3, tzinfo=UTC)},
            "CSAT 2 of 5 on 3 Oct",
        ),
        (
            {"days_since_last_activity": 41, "usual_activity_gap_days": 3},
            "no activity for 41 days, usually every 3",
        ),
        (
            {"days_since_last_activity": 30, "usual_activity_gap_days": 2.5},
            "no activity for 30 days, usually every 2.5",
        ),
        ({"days_since_last_activity": 41}, "no activity for 41 days"),
        ({"failed_payments_recent": 2}, "2 failed payments in the last 30 days"),
        ({"failed_payments_recent": 1}, "1 failed payment in the last 30 days"),
        ({"unrecovered_payment_failure": True}, "a failed payment is still unpaid"),
        ({"tenure_days": 12}, "customer for 12 days"),
        ({"tenure_days": 1}, "customer for 1 day"),
        ({"tenure_days": 200}, "customer for 7 months"),
        ({"churn_reasons": ("competitor",)}, "said 'competitor' in feedback"),
        ({"churn_reasons": ("missing_features",)}, "said 'missing features' in feedback"),
        ({"exit_intent": True}, "said in an exit interview they are cancelling"),
        ({"support_tickets_recent": 6}, "6 support tickets in the last 90 days"),
        ({"complaints_recent": 1}, "1 complaint in the last 30 days"),
        ({"negative_feedback_count": 2}, "2 negative feedback answers in the last 90 days"),
        ({"unanswered_surveys": 3}, "3 surveys unanswered in the last 90 days"),
        (
            {"activity_percentile": 12.0},
            "less active than 88% of customers in the last 30 days",
        ),
        ({"monthly_contract": True}, "on a monthly plan with no commitment"),
        ({"manual_payment": True}, "pays manually, no automatic payment set up"),
    ],
)
def test_risk_signal_is_named_in_plain_words(overrides: dict[str, Any], reason: str) -> None:
    assessment = score(customer(**overrides))
    assert assessment.top_reasons() == [reason]
    assert assessment.score > assessment.baseline


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"latest_nps": 9, "latest_nps_at": AS_OF},
        {"latest_nps": 7},
        {"latest_csat": 4},
        {"latest_csat": 5},
        {"latest_nps": 0, "latest_nps_at": AS_OF - timedelta(days=400)},  # stale answer
        {"days_since_last_activity": 41, "usual_activity_gap_days": 60},
        {"days_since_last_activity": 5, "usual_activity_gap_days": 1},  # a long weekend
        {"support_tickets_recent": 3},
        {"activity_percentile": 75.0},
        {"monthly_contract": False, "manual_payment": False},
        {"tenure_days": None},
    ],
)
def test_risk_no_evidence_adds_nothing(overrides: dict[str, Any]) -> None:
    assessment = score(customer(**overrides))
    assert assessment.contributions == []
    assert assessment.score == assessment.baseline == default_weights().baseline_score


def test_risk_silence_is_judged_against_the_customers_own_rhythm() -> None:
    busy = score(customer(days_since_last_activity=41, usual_activity_gap_days=3))
    occasional = score(customer(days_since_last_activity=41, usual_activity_gap_days=60))
    assert busy.score >= occasional.score + 15
    assert occasional.contributions == []
    assert busy.contributions[0].signal == "recency"


def test_risk_detractor_nps_fades_with_age() -> None:
    fresh = score(customer(latest_nps=3, latest_nps_at=AS_OF - timedelta(days=10)))
    ageing = score(customer(latest_nps=3, latest_nps_at=AS_OF - timedelta(days=200)))
    assert fresh.score > ageing.score > fresh.baseline


def test_risk_exit_intent_outranks_other_reasons() -> None:
    assessment = score(
        customer(
            exit_intent=True,
            latest_nps=5,
            tenure_days=40,
            support_tickets_recent=5,
            churn_reasons=("price",),
        )
    )
    reasons = assessment.top_reasons(n=5)
    assert reasons[0] == "said in an exit interview they are cancelling"
    assert len(reasons) == 5
    assert assessment.top_reasons(n=2) == reasons[:2]
    assert assessment.score >= 90


def test_risk_repeated_churn_reason_counts_once_and_reasons_share_a_cap() -> None:
    weights = default_weights()
    once = score(customer(churn_reasons=("competitor",)))
    twice = score(customer(churn_reasons=("competitor", "competitor")))
    assert once.score == twice.score
    many = score(customer(churn_reasons=tuple(weights.churn_reason_points)))
    assert sum(many.log_odds.values()) == pytest.approx(weights.churn_reason_max_points)
    assert many.contributions[0].signal == "churn_reason.competitor"


def test_risk_unknown_churn_reason_and_out_of_range_values_are_rejected() -> None:
    with pytest.raises(ValueError, match="weather"):
        customer(churn_reasons=("weather",))
    with pytest.raises(ValueError, match="latest_nps"):
        customer(latest_nps=11)
    with pytest.raises(ValueError, match="latest_csat"):
        customer(latest_csat=0)
    with pytest.raises(ValueError, match="negative"):
        customer(support_tickets_recent=-1)
