"""Customer lifetime value by plan: what a customer of each plan is worth before leaving.

Per plan (the customer's current `plan`; the product keeps no plan history):
- ARPU = MRR at the end of the period (`insights.revenue.mrr`) of the plan's customers
  active then / how many they are;
- monthly churn rate = customers of the plan lost in the period (a churn dated in it, as
  in `insights.metrics`) / the plan's customers at start, scaled to a 30.44-day month;
- CLTV = ARPU / monthly churn rate, as `insights.metrics` does for the whole company.
  Undefined (None) when the plan lost nobody or had nobody at start: no churn observed is
  not an infinite lifetime.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from insights.metrics import DAYS_PER_MONTH, Period
from insights.revenue.mrr import CENT, cents, just_before, money_text, mrr_by_customer
from storage.models import Churn, Customer


@dataclass(frozen=True)
class PlanValue:
    plan: str | None
    customers_start: int
    customers_end: int
    lost_customers: int
    mrr_end: Decimal
    arpu: Decimal | None
    monthly_churn_rate: float | None
    cltv: Decimal | None

    def as_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "customers_start": self.customers_start,
            "customers_end": self.customers_end,
            "lost_customers": self.lost_customers,
            "mrr_end": money_text(self.mrr_end),
            "arpu": money_text(self.arpu),
            "monthly_churn_rate": self.monthly_churn_rate,
            "cltv": money_text(self.cltv),
        }


def _counts_by_plan(session: Session, period: Period) -> dict[str | None, tuple[int, int, Any]]:
    moments = (just_before(period.start), just_before(period.end))
    per = mrr_by_customer(moments).where(Customer.signed_up_at < period.end).subquery()
    at_start = and_(per.c.signed_up_at < period.start, per.c.gone_0 == 0)
    at_end = per.c.gone_1 == 0
    rows = session.execute(
        select(
            Customer.plan,
            func.coalesce(func.sum(case((at_start, 1), else_=0)), 0),
            func.coalesce(func.sum(case((at_end, 1), else_=0)), 0),
            func.coalesce(func.sum(per.c.mrr_1), 0),
        )
        .join(per, per.c.customer_id == Customer.id)
        .group_by(Customer.plan)
    )
    return {plan: (int(start), int(end), mrr) for plan, start, end, mrr in rows}


def _lost_by_plan(session: Session, period: Period) -> dict[str | None, int]:
    rows = session.execute(
        select(Customer.plan, func.count(func.distinct(Churn.customer_id)))
        .join(Customer, Customer.id == Churn.customer_id)
        .where(Churn.churned_at >= period.start, Churn.churned_at < period.end)
        .group_by(Customer.plan)
    )
    return {plan: int(lost) for plan, lost in rows}


def cltv_by_plan(session: Session, period: Period) -> list[PlanValue]:
    """Every plan with a customer signed up before the period's end, largest MRR first."""
    lost = _lost_by_plan(session, period)
    values = []
    for plan, (start, end, mrr) in _counts_by_plan(session, period).items():
        mrr_end = cents(mrr)
        gone = lost.get(plan, 0)
        arpu = (mrr_end / end).quantize(CENT) if end else None
        monthly = None
        if start and gone:
            monthly = gone / start * (DAYS_PER_MONTH / period.days)
        cltv = None
        if arpu is not None and monthly:
            cltv = (arpu / Decimal(str(monthly))).quantize(CENT)
        rate = None if monthly is None else round(monthly * 100, 2)
        values.append(PlanValue(plan, start, end, gone, mrr_end, arpu, rate, cltv))
    values.sort(key=lambda v: (-v.mrr_end, v.plan or ""))
    return values
