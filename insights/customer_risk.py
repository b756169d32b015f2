"""The risk score of one customer, by exactly the rules of the at-risk list.

`insights.at_risk.at_risk` ranks every active customer; an alert or a customer's story
needs one score, and it must be the same number the list shows. So this reuses the list's
own signal queries (`_Chunk`, `_activity_histogram`) for a chunk of one instead of
restating them: one activity histogram over active customers (needed for the activity
percentile) and a handful of indexed queries for the customer. Should `insights.at_risk`
grow a public single-customer function, this module becomes a one-line wrapper.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from insights.at_risk import _activity_histogram, _Chunk, _Row
from insights.risk import RiskAssessment, Weights, score
from storage.models import Customer


def assess(
    session: Session, customer_id: int, as_of: datetime, weights: Weights
) -> RiskAssessment | None:
    """The customer's risk as of `as_of`; None when they are not an active customer."""
    found = session.execute(
        select(
            Customer.id,
            Customer.external_id,
            Customer.name,
            Customer.plan,
            Customer.mrr,
            Customer.signed_up_at,
            Customer.last_activity_at,
            Customer.payment_failed_since,
        ).where(Customer.id == customer_id, Customer.status == "active")
    ).first()
    if found is None:
        return None
    row = _Row(*found)
    active = int(session.scalar(select(func.count()).where(Customer.status == "active")) or 0)
    percentile = _activity_histogram(
        session, as_of - timedelta(days=weights.windows_activity_days), active
    )
    chunk = _Chunk(session, [row.id], as_of, weights)
    return score(chunk.signals(row, percentile), weights)
