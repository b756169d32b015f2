"""MRR movements over a period, and the revenue retention figures read from them.

Each customer's MRR just before `start` (s) and just before `end` (e) is compared
(`insights.revenue.mrr`), and the customer falls in exactly one movement:

- new: signed up in [start, end) → new MRR += e;
- churned: inside a churn episode at end that began in the period, i.e. lost in the
  period (a churn dated in it, as in `insights.metrics`) and not back by end → churned
  MRR += s. A customer who left and came back within the period is not churned: their
  change, if any, is expansion or contraction;
- reactivation: inside a churn episode at start and not at end (back in the period) →
  reactivation MRR += e;
- everyone else who was a customer at start: expansion += e − s when it grew,
  contraction += s − e when it shrank (a change of plan, seats, or a price to 0).

So start MRR + new + expansion + reactivation − contraction − churned = end MRR, exactly.

GRR = (start − contraction − churned) / start × 100: the revenue kept from the customers
at start, upsell not counted (at most 100%). NRR = (start + expansion − contraction −
churned) / start × 100: the same with upsell (above 100% means the base grew by itself).
Revenue churn rate = (churned + contraction) / start × 100 (gross MRR churn). Each is
undefined (None) when start MRR is 0, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, not_, select, union
from sqlalchemy.orm import Session

from insights.metrics import Period
from insights.revenue.mrr import SUBSCRIPTION_TYPES, cents, just_before, mrr_by_customer, total_mrr
from storage.models import Churn, Customer, Event


@dataclass(frozen=True)
class MrrMovements:
    start: Decimal
    end: Decimal
    new: Decimal
    expansion: Decimal
    contraction: Decimal
    churned: Decimal
    reactivation: Decimal

    @property
    def net_change(self) -> Decimal:
        return self.end - self.start

    def _of_start(self, amount: Decimal) -> float | None:
        if self.start == 0:
            return None
        return round(float(amount * 100 / self.start), 2)

    @property
    def gross_revenue_retention(self) -> float | None:
        return self._of_start(self.start - self.contraction - self.churned)

    @property
    def net_revenue_retention(self) -> float | None:
        return self._of_start(self.start + self.expansion - self.contraction - self.churned)

    @property
    def revenue_churn_rate(self) -> float | None:
        return self._of_start(self.churned + self.contraction)


@dataclass(frozen=True)
class Leaver:
    """A customer lost in the period and not back by its end, with the MRR they took."""

    external_id: str
    name: str | None
    plan: str | None
    mrr: Decimal


def _touched(period: Period) -> Any:
    """Ids of the customers whose MRR or state may differ between the period's bounds: who
    signed up, had a subscription event, churned or came back in it. Everyone else has
    s = e and the same churn state at both, so no movement; reading only these keeps a
    week's movements to a few index ranges instead of a pass over every customer."""
    start, end = period.start, period.end
    return union(
        select(Customer.id).where(Customer.signed_up_at >= start, Customer.signed_up_at < end),
        select(Event.customer_id).where(
            Event.type.in_(SUBSCRIPTION_TYPES), Event.occurred_at >= start, Event.occurred_at < end
        ),
        select(Churn.customer_id).where(Churn.churned_at >= start, Churn.churned_at < end),
        select(Churn.customer_id).where(Churn.reactivated_at >= start, Churn.reactivated_at < end),
    )


def _per_customer(period: Period) -> Any:
    moments = (just_before(period.start), just_before(period.end))
    within = select(_touched(period).subquery().c[0])
    return mrr_by_customer(moments, within).where(Customer.signed_up_at < period.end).subquery()


def _kinds(per: Any, period: Period) -> dict[str, Any]:
    new = per.c.signed_up_at >= period.start
    gone_start, gone_end = per.c.gone_0 == 1, per.c.gone_1 == 1
    return {
        "new": new,
        "churned": and_(not_(new), gone_end, not_(gone_start)),
        "reactivation": and_(not_(new), gone_start, not_(gone_end)),
        "stayed": and_(not_(new), not_(gone_start), not_(gone_end)),
    }


def _sum_if(condition: Any, value: Any) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def mrr_movements(
    session: Session, period: Period, totals: tuple[Decimal, Decimal] | None = None
) -> MrrMovements:
    """The period's movements (definitions: module docstring): start and end MRR in one
    pass over the customers (or `totals`, when the caller read them with other moments in
    the same pass), the movements over the customers the period touched."""
    if totals is None:
        bounds = (just_before(period.start), just_before(period.end))
        first, last = total_mrr(session, bounds)
        totals = (first, last)
    start, end = totals
    per = _per_customer(period)
    kind = _kinds(per, period)
    s, e = per.c.mrr_0, per.c.mrr_1
    row = session.execute(
        select(
            _sum_if(kind["new"], e),
            _sum_if(and_(kind["stayed"], e > s), e - s),
            _sum_if(and_(kind["stayed"], e < s), s - e),
            _sum_if(kind["churned"], s),
            _sum_if(kind["reactivation"], e),
        )
    ).one()
    new, expansion, contraction, churned, back = (cents(v) for v in row)
    return MrrMovements(start, end, new, expansion, contraction, churned, back)


def top_leavers(session: Session, period: Period, limit: int = 5) -> list[Leaver]:
    """The customers behind churned MRR, largest MRR first (ties by external id)."""
    per = _per_customer(period)
    rows = session.execute(
        select(Customer.external_id, Customer.name, Customer.plan, per.c.mrr_0)
        .join(per, per.c.customer_id == Customer.id)
        .where(_kinds(per, period)["churned"])
        .order_by(per.c.mrr_0.desc(), Customer.external_id)
        .limit(limit)
    )
    return [Leaver(ext, name, plan, cents(mrr)) for ext, name, plan, mrr in rows]
