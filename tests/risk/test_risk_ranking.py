"""The at-risk list: revenue at risk arithmetic and ordering."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from insights.risk import RiskSignals, parse_weights, rank, revenue_at_risk, score

AS_OF = datetime(2026, 11, 24, tzinfo=UTC)


@pytest.mark.parametrize(
    ("mrr", "probability", "expected"),
    [
        (Decimal("100.00"), 0.37, "37.00"),
        (19.99, 0.37, "7.40"),  # 7.3963
        (Decimal("0.05"), 0.5, "0.03"),  # 0.025 rounds half up
        (0.1, 0.15, "0.02"),  # 0.015: the float 0.1 is taken as written, not as binary
        (10, 0.0, "0.00"),
        (Decimal("1234.56"), 1.0, "1234.56"),
        (Decimal("0"), 0.8, "0.00"),
        (Decimal("249.00"), 0.0123, "3.06"),  # 3.0627: the probability, not a rounded score
    ],
)
def test_risk_revenue_at_risk_is_mrr_times_probability_in_cents(
    mrr: Decimal | float, probability: float, expected: str
) -> None:
    assert revenue_at_risk(mrr, probability) == Decimal(expected)


def test_risk_assessment_revenue_uses_the_customers_mrr_unless_given() -> None:
    assessment = score(RiskSignals(as_of=AS_OF, mrr=Decimal("250.00"), exit_intent=True))
    p = Decimal(repr(assessment.probability))
    expected = (Decimal("250.00") * p).quantize(Decimal("0.01"))
    assert assessment.revenue_at_risk() == expected
    assert assessment.revenue_at_risk(Decimal("100")) == (100 * p).quantize(Decimal("0.01"))


def signals(mrr: float | Decimal, **risk: object) -> RiskSignals:
    return RiskSignals(as_of=AS_OF, mrr=mrr, tenure_days=1500.0, **risk)  # type: ignore[arg-type]


def test_risk_rank_orders_by_revenue_at_risk_not_by_score() -> None:
    customers = [
        ("small-but-leaving", signals(10, exit_intent=True)),
        ("big-and-calm", signals(10_000)),
        ("mid-and-unhappy", signals(400, latest_nps=1, support_tickets_recent=6)),
        ("free", signals(0, exit_intent=True)),
    ]
    ranked = rank(customers)
    assert [line.key for line in ranked] == [
        "big-and-calm",
        "mid-and-unhappy",
        "small-but-leaving",
        "free",
    ]
    revenues = [line.revenue_at_risk for line in ranked]
    assert revenues == sorted(revenues, reverse=True)
    for line in ranked:
        assert line.revenue_at_risk == line.assessment.revenue_at_risk()


def test_risk_rank_breaks_revenue_ties_by_probability_then_input_order() -> None:
    calm = score(signals(1)).probability
    leaving = score(signals(1, exit_intent=True)).probability
    assert leaving > calm
    # Same revenue at risk in cents: find a calm MRR whose MRR x probability rounds alike.
    target = revenue_at_risk(Decimal("100.00"), leaving)
    cents = next(c for c in range(1, 10**7) if revenue_at_risk(Decimal(c) / 100, calm) == target)
    customers = [
        ("calm", signals(Decimal(cents) / 100)),
        ("leaving", signals(Decimal("100.00"), exit_intent=True)),
        ("calm-twin", signals(Decimal(cents) / 100)),
    ]
    ranked = rank(customers)
    assert len({line.revenue_at_risk for line in ranked}) == 1
    assert [line.key for line in ranked] == ["leaving", "calm", "calm-twin"]


def test_risk_rank_top_and_empty_and_generators() -> None:
    customers = [(i, signals(10 * i, support_tickets_recent=i % 8)) for i in range(50)]
    everything = rank(iter(customers))
    assert len(everything) == 50
    assert [line.key for line in rank(customers, top=5)] == [line.key for line in everything[:5]]
    assert rank(customers, top=0) == []
    assert rank([]) == []


def test_risk_rank_uses_the_given_weights() -> None:
    customers = [("a", signals(100, exit_intent=True)), ("b", signals(100, latest_nps=0))]
    assert rank(customers)[0].key == "a"
    no_exit = parse_weights("[exit_intent]\npoints = 0.0")
    ranked = rank(customers, no_exit)
    assert ranked[0].key == "b"
    assert ranked[1].assessment.score == no_exit.baseline_score
