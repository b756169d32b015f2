"""Every point of the score is traceable: baseline + contributions == score."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from insights.risk import CHURN_REASONS, RiskSignals, score

AS_OF = datetime(2026, 11, 24, tzinfo=UTC)


def random_customer(rnd: random.Random) -> RiskSignals:
    return RiskSignals(
        as_of=AS_OF,
        mrr=Decimal(rnd.randint(0, 500_00)) / 100,
        tenure_days=rnd.choice([None, rnd.uniform(0, 3000)]),
        latest_nps=rnd.choice([None, rnd.randint(0, 10)]),
        latest_nps_at=AS_OF - timedelta(days=rnd.uniform(0, 500)),
        latest_csat=rnd.choice([None, rnd.randint(1, 5)]),
        negative_feedback_count=rnd.randint(0, 4),
        complaints_recent=rnd.randint(0, 3),
        churn_reasons=tuple(rnd.sample(sorted(CHURN_REASONS), rnd.randint(0, 3))),
        days_since_last_activity=rnd.choice([None, rnd.uniform(0, 120)]),
        usual_activity_gap_days=rnd.choice([None, rnd.uniform(0, 60)]),
        activity_percentile=rnd.choice([None, rnd.uniform(0, 100)]),
        failed_payments_recent=rnd.randint(0, 3),
        unrecovered_payment_failure=rnd.random() < 0.1,
        support_tickets_recent=rnd.randint(0, 9),
        unanswered_surveys=rnd.randint(0, 4),
        exit_intent=rnd.random() < 0.05,
        monthly_contract=rnd.choice([None, True, False]),
        manual_payment=rnd.choice([None, True, False]),
    )


CUSTOMERS = [random_customer(random.Random(seed)) for seed in range(300)]


@pytest.mark.parametrize("signals", CUSTOMERS)
def test_risk_points_add_up_to_the_score(signals: RiskSignals) -> None:
    assessment = score(signals)
    contributions = assessment.contributions
    assert assessment.baseline + sum(c.points for c in contributions) == assessment.score
    assert all(c.points >= 0 and c.log_odds > 0 and c.reason for c in contributions)
    strengths = [c.log_odds for c in contributions]
    assert strengths == sorted(strengths, reverse=True)
    assert assessment.top_reasons(2) == [c.reason for c in contributions[:2]]
    assert 0 <= assessment.score <= 100
    assert assessment.score == round(100 * assessment.probability)


def test_risk_points_are_shared_in_proportion_to_strength() -> None:
    assessment = score(RiskSignals(as_of=AS_OF, mrr=10, exit_intent=True, unanswered_surveys=1))
    exit_intent, surveys = assessment.contributions
    assert exit_intent.signal == "exit_intent"
    assert exit_intent.points > 10 * surveys.points > 0
