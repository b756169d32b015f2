"""Average order value and purchase frequency, from `purchase` events in a period.

- average order value (AOV) = mean `amount` of the period's purchases that carry one;
- purchase frequency = purchases / distinct customers who purchased in the period.
Both are undefined (None) in a period without purchases.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from insights.metrics import Period
from insights.revenue.mrr import CENT, cents
from storage.models import Event


@dataclass(frozen=True)
class Orders:
    purchases: int
    purchasing_customers: int
    revenue: Decimal
    average_order_value: Decimal | None
    purchase_frequency: float | None


def orders(session: Session, period: Period) -> Orders:
    """One aggregate over the (type, occurred_at) index range of the period's purchases."""
    count, customers, priced, total = session.execute(
        select(
            func.count(),
            func.count(func.distinct(Event.customer_id)),
            func.count(Event.amount),
            func.coalesce(func.sum(Event.amount), 0),
        ).where(
            Event.type == "purchase",
            Event.occurred_at >= period.start,
            Event.occurred_at < period.end,
        )
    ).one()
    revenue = cents(total)
    aov = (revenue / int(priced)).quantize(CENT) if priced else None
    frequency = round(int(count) / int(customers), 2) if customers else None
    return Orders(int(count), int(customers), revenue, aov, frequency)
