"""What the risk score looks at: one immutable bundle of facts per customer.

The storage layer computes these facts from the database and hands them over; the
scorer never reaches back for more. Keeping the input a plain frozen value is what
makes the score pure (same signals, same weights -> same answer), cheap to call a
million times, and easy to test with hand-made customers.

Every field except ``as_of`` and ``mrr`` is optional: a missing fact adds no risk
rather than guessing. The exact definitions the storage side must follow (windows,
what counts as activity) are in ``docs/risk.md``; the window lengths themselves live
in ``weights.toml`` so that the reason texts and the computation cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

#: Reason keys that feedback tagging may attach to a customer, with the words used
#: when the key is quoted back to retention staff.
CHURN_REASONS: dict[str, str] = {
    "price": "price",
    "support": "support",
    "missing_features": "missing features",
    "bugs": "bugs",
    "usability": "usability",
    "competitor": "competitor",
    "no_need": "no need",
    "billing": "billing",
    "neglect": "neglect",
    "external": "external reasons",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskSignals:
    """Facts about one active customer at the moment ``as_of``.

    Counts default to zero and optional facts to ``None`` (unknown), so the storage
    layer only fills what it can measure. Validation is deliberately light: it
    catches values that would silently corrupt the score (an NPS of 42, a reason key
    nobody weighs) without slowing down building a million of these.
    """

    as_of: datetime
    mrr: Decimal | float
    tenure_days: float | None = None
    latest_nps: int | None = None
    latest_nps_at: datetime | None = None
    latest_csat: int | None = None
    latest_csat_at: datetime | None = None
    negative_feedback_count: int = 0
    complaints_recent: int = 0
    churn_reasons: tuple[str, ...] = ()
    days_since_last_activity: float | None = None
    usual_activity_gap_days: float | None = None
    activity_percentile: float | None = None
    failed_payments_recent: int = 0
    unrecovered_payment_failure: bool = False
    support_tickets_recent: int = 0
    unanswered_surveys: int = 0
    exit_intent: bool = False
    monthly_contract: bool | None = None
    manual_payment: bool | None = None

    def __post_init__(self) -> None:
        if self.latest_nps is not None and not 0 <= self.latest_nps <= 10:
            raise ValueError(f"latest_nps must be 0-10, got {self.latest_nps}")
        if self.latest_csat is not None and not 1 <= self.latest_csat <= 5:
            raise ValueError(f"latest_csat must be 1-5, got {self.latest_csat}")
        if self.activity_percentile is not None and not 0 <= self.activity_percentile <= 100:
            raise ValueError(f"activity_percentile must be 0-100, got {self.activity_percentile}")
        for key in self.churn_reasons:
            if key not in CHURN_REASONS:
                raise ValueError(f"unknown churn reason {key!r}; known: {sorted(CHURN_REASONS)}")
        if (
            self.negative_feedback_count < 0
            or self.complaints_recent < 0
            or self.failed_payments_recent < 0
            or self.support_tickets_recent < 0
            or self.unanswered_surveys < 0
        ):
            raise ValueError("counts in RiskSignals must not be negative")
