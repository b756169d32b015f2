"""The revenue figures of a period in one value, as `metrics`, the digest and Slack show them.

`revenue_report(session, period)` runs the aggregate queries of `movements`, `plans` and
`orders` (a handful of statements, whatever the number of customers) and `as_json` lays
them out flat, with the keys `metrics --format json` and the digest's JSON share:
`mrr_lost` (the churned MRR: what customers who left took with them),
`gross_revenue_retention`, `net_revenue_retention`, `revenue_churn_rate` and the movement
components `mrr_start`, `mrr_new`, `mrr_expansion`, `mrr_contraction`, `mrr_churned`,
`mrr_reactivation`, `mrr_end`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from insights.metrics import Period
from insights.revenue.movements import Leaver, MrrMovements, mrr_movements, top_leavers
from insights.revenue.mrr import money_text
from insights.revenue.orders import Orders, orders
from insights.revenue.plans import PlanValue, cltv_by_plan

TOP_LEAVERS = 5


@dataclass(frozen=True)
class RevenueReport:
    movements: MrrMovements
    leavers: tuple[Leaver, ...]
    plans: tuple[PlanValue, ...]
    orders: Orders

    def as_json(self) -> dict[str, Any]:
        m = self.movements
        return {
            **movements_json(m),
            "mrr_lost_customers": [leaver_json(leaver) for leaver in self.leavers],
            "cltv_by_plan": [plan.as_json() for plan in self.plans],
            "purchases": self.orders.purchases,
            "purchasing_customers": self.orders.purchasing_customers,
            "purchase_revenue": money_text(self.orders.revenue),
            "average_order_value": money_text(self.orders.average_order_value),
            "purchase_frequency": self.orders.purchase_frequency,
        }


def movements_json(m: MrrMovements) -> dict[str, Any]:
    """The movement figures under the keys every JSON output uses."""
    return {
        "mrr_lost": money_text(m.churned),
        "gross_revenue_retention": m.gross_revenue_retention,
        "net_revenue_retention": m.net_revenue_retention,
        "revenue_churn_rate": m.revenue_churn_rate,
        "mrr_start": money_text(m.start),
        "mrr_new": money_text(m.new),
        "mrr_expansion": money_text(m.expansion),
        "mrr_contraction": money_text(m.contraction),
        "mrr_churned": money_text(m.churned),
        "mrr_reactivation": money_text(m.reactivation),
        "mrr_end": money_text(m.end),
    }


def leaver_json(leaver: Leaver) -> dict[str, Any]:
    return {
        "external_id": leaver.external_id,
        "name": leaver.name,
        "plan": leaver.plan,
        "mrr": money_text(leaver.mrr),
    }


def revenue_report(session: Session, period: Period, leavers: int = TOP_LEAVERS) -> RevenueReport:
    return RevenueReport(
        movements=mrr_movements(session, period),
        leavers=tuple(top_leavers(session, period, leavers)),
        plans=tuple(cltv_by_plan(session, period)),
        orders=orders(session, period),
    )
