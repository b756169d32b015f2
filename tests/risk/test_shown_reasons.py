"""Shown reasons: tenure alone and stale scores are not reasons to call, but still count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from insights.risk import RiskSignals, score, shown_reasons
from insights.risk.assessment import Contribution
from insights.risk.shown_reasons import is_shown

AS_OF = datetime(2026, 12, 6, 12, tzinfo=UTC)


def signals(**fields) -> RiskSignals:
    return RiskSignals(as_of=AS_OF, mrr=Decimal("99"), **fields)


def test_tenure_and_an_old_nps_are_kept_in_contributions_but_not_shown():
    assessment = score(
        signals(
            tenure_days=20,
            latest_nps=0,
            latest_nps_at=AS_OF - timedelta(days=89),  # 8 Sep, seen in December
            failed_payments_recent=2,
        )
    )
    every = [c.reason for c in assessment.contributions]
    assert "customer for 20 days" in every
    assert "NPS 0 on 8 Sep" in every
    assert shown_reasons(assessment, horizon_days=30) == ["2 failed payments in the last 30 days"]


def test_a_recent_score_is_shown_and_one_past_the_horizon_is_not():
    recent = score(signals(latest_nps=2, latest_nps_at=AS_OF - timedelta(days=30)))
    assert shown_reasons(recent, horizon_days=30) == ["NPS 2 on 6 Nov"]
    assert shown_reasons(recent, horizon_days=29) == []
    csat = score(signals(latest_csat=1, latest_csat_at=AS_OF - timedelta(days=45)))
    assert shown_reasons(csat, horizon_days=30) == []
    assert shown_reasons(csat, horizon_days=60) == ["CSAT 1 of 5 on 22 Oct"]


def test_tenure_alone_leaves_no_reason_to_show():
    assessment = score(signals(tenure_days=3))
    assert assessment.top_reasons() == ["customer for 3 days"]
    assert shown_reasons(assessment, horizon_days=30) == []


def test_at_most_n_reasons_strongest_first():
    assessment = score(
        signals(
            tenure_days=5,
            failed_payments_recent=3,
            unrecovered_payment_failure=True,
            exit_intent=True,
            support_tickets_recent=6,
        )
    )
    wanted = [c.reason for c in assessment.contributions if c.signal != "tenure"][:3]
    assert shown_reasons(assessment, horizon_days=30) == wanted
    assert len(wanted) == 3


def _contribution(signal: str, reason: str) -> Contribution:
    return Contribution(signal=signal, points=5, reason=reason, log_odds=0.5)


def test_activity_shown_only_when_below_most_and_the_rhythm_not_said_twice():
    """ "Less active than 41% of customers" is not a reason to call (more active than most),
    and "active only about every 9.4 days" repeats "no activity for 18 days, usually every
    9.4". A fitted model gives both points (kept in the contributions); only the shown
    reasons change. (A stand-in assessment: the hand-set weights give neither points.)"""
    activity = _contribution("activity", "less active than 41% of customers")
    more_active = SimpleNamespace(signals=signals(activity_percentile=59.0), contributions=[])
    assert not is_shown(activity, more_active, 30)  # type: ignore[arg-type]
    less_active = SimpleNamespace(signals=signals(activity_percentile=20.0), contributions=[])
    assert is_shown(activity, less_active, 30)  # type: ignore[arg-type]

    recency = _contribution("recency", "no activity for 18 days, usually every 9.4")
    usage = _contribution("usage", "active only about every 9.4 days")
    both = SimpleNamespace(
        signals=signals(usual_activity_gap_days=9.4), contributions=[recency, usage]
    )
    assert is_shown(recency, both, 30)  # type: ignore[arg-type]
    assert not is_shown(usage, both, 30)  # type: ignore[arg-type]
    alone = SimpleNamespace(signals=signals(usual_activity_gap_days=9.4), contributions=[usage])
    assert is_shown(usage, alone, 30)  # type: ignore[arg-type]
