"""Plain-English reasons for each contribution to the score.

Retention staff act on the reasons, not on the number, so every reason quotes the
customer's own facts ("NPS 3 on 2 Nov", "no activity for 41 days, usually every 3")
rather than model jargon. Texts are built only when someone looks at them: ranking a
million customers must not format a million dates.

Month names are spelled out here instead of using ``strftime("%b")`` so the output
does not depend on the process locale.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from insights.risk.signals import CHURN_REASONS, RiskSignals
from insights.risk.weights import Weights

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

CHURN_REASON_PREFIX = "churn_reason."


def describe(signal: str, signals: RiskSignals, weights: Weights) -> str:
    """The reason text for one contributing ``signal`` of this customer."""
    if signal.startswith(CHURN_REASON_PREFIX):
        key = signal[len(CHURN_REASON_PREFIX) :]
        return f"said '{CHURN_REASONS.get(key, key)}' in feedback"
    return _PHRASES[signal](signals, weights)


def format_date(moment: datetime, as_of: datetime) -> str:
    """``2 Nov``, or ``2 Nov 2025`` when the year differs from the scoring date."""
    text = f"{moment.day} {_MONTHS[moment.month - 1]}"
    return text if moment.year == as_of.year else f"{text} {moment.year}"


def format_number(value: float) -> str:
    """Whole numbers without decimals, small fractions with one (``3``, ``2.5``)."""
    rounded = round(value)
    if abs(value - rounded) < 0.05 or abs(value) >= 10:
        return str(int(rounded))
    return f"{value:.1f}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 failed payment`` / ``2 failed payments``."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def _recency(s: RiskSignals, w: Weights) -> str:
    days = s.days_since_last_activity or 0.0
    text = f"no activity for {format_number(days)} days"
    gap = s.usual_activity_gap_days
    if gap is None:
        return text
    if gap < 1:
        return f"{text}, usually active daily"
    return f"{text}, usually every {format_number(gap)}"


def _activity(s: RiskSignals, w: Weights) -> str:
    below = round(100 - (s.activity_percentile or 0.0))
    return f"less active than {below}% of customers in the last {w.windows_activity_days} days"


def _tenure(s: RiskSignals, w: Weights) -> str:
    days = max(0.0, s.tenure_days or 0.0)
    if days < 60:
        return f"customer for {count(round(days), 'day')}"
    return f"customer for {count(round(days / 30.44), 'month')}"


def _nps(s: RiskSignals, w: Weights) -> str:
    text = f"NPS {s.latest_nps}"
    at = s.latest_nps_at
    return text if at is None else f"{text} on {format_date(at, s.as_of)}"


def _csat(s: RiskSignals, w: Weights) -> str:
    text = f"CSAT {s.latest_csat} of 5"
    at = s.latest_csat_at
    return text if at is None else f"{text} on {format_date(at, s.as_of)}"


def _negative_feedback(s: RiskSignals, w: Weights) -> str:
    n = s.negative_feedback_count
    return f"{count(n, 'negative feedback answer')} in the last {w.windows_feedback_days} days"


def _complaints(s: RiskSignals, w: Weights) -> str:
    n = s.complaints_recent
    return f"{count(n, 'complaint')} in the last {w.windows_complaints_days} days"


def _failed_payments(s: RiskSignals, w: Weights) -> str:
    n = s.failed_payments_recent
    return f"{count(n, 'failed payment')} in the last {w.windows_payments_days} days"


def _support(s: RiskSignals, w: Weights) -> str:
    n = s.support_tickets_recent
    return f"{count(n, 'support ticket')} in the last {w.windows_support_days} days"


def _surveys(s: RiskSignals, w: Weights) -> str:
    n = s.unanswered_surveys
    return f"{count(n, 'survey')} unanswered in the last {w.windows_feedback_days} days"


def _usage(s: RiskSignals, w: Weights) -> str:
    gap = s.usual_activity_gap_days or 0.0
    if gap < 1:
        return "active about daily"
    return f"active only about every {format_number(gap)} days"


def _small_account(s: RiskSignals, w: Weights) -> str:
    return f"small account ({float(s.mrr):,.2f} MRR): smaller accounts leave more often here"


_PHRASES: dict[str, Callable[[RiskSignals, Weights], str]] = {
    "exit_intent": lambda s, w: "said in an exit interview they are cancelling",
    "recency": _recency,
    "activity": _activity,
    "tenure": _tenure,
    "nps": _nps,
    "csat": _csat,
    "negative_feedback": _negative_feedback,
    "complaints": _complaints,
    "failed_payments": _failed_payments,
    "unrecovered_payment": lambda s, w: "a failed payment is still unpaid",
    "support_tickets": _support,
    "unanswered_surveys": _surveys,
    "monthly_contract": lambda s, w: "on a monthly plan with no commitment",
    "manual_payment": lambda s, w: "pays manually, no automatic payment set up",
    # Learnt from the company's history only (no hand-set points): see features.py.
    "usage": _usage,
    "small_account": _small_account,
}

#: Every signal name a contribution can carry (churn reasons as ``churn_reason.<key>``).
SIGNAL_NAMES: tuple[str, ...] = (
    *_PHRASES,
    *(CHURN_REASON_PREFIX + key for key in CHURN_REASONS),
)


def percent(probability: float) -> str:
    """``12%``; one decimal below 10% (``0.4%``, ``3.5%``), never a bare ``0%`` for a
    small risk (``<0.1%``)."""
    value = 100.0 * probability
    if 0 < value < 0.05:
        return "<0.1%"
    if value < 9.95:
        return f"{value:.1f}%"
    return f"{value:.0f}%"


def chance(probability: float, horizon_days: int | None) -> str:
    """``12% in 30 days`` (``12%`` when the horizon is unknown)."""
    text = percent(probability)
    return text if horizon_days is None else f"{text} in {horizon_days} days"
