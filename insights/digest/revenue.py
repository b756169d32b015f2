"""The digest's revenue part: the week's (or month's) MRR movements, worded and as JSON.

Kept in its own module so the digest's other parts stay as they were: `compose` calls
`week_revenue`, `document` adds `revenue_section`, `jsonout` adds `revenue_json`, and the
chart draws `insights.digest.revenue_chart`. Figures come from `insights.revenue`, the same
functions `retention-bot metrics` and `/churn summary` use.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from insights.digest import numbers as fmt
from insights.digest.document import Item, Line, Section, Span
from insights.digest.model import Digest, Revenue
from insights.metrics import Period
from insights.revenue.movements import mrr_movements, top_leavers
from insights.revenue.mrr import just_before, total_mrr
from insights.revenue.report import leaver_json, movements_json

TOP_LEAVERS = 3
REVENUE_KEYS = (
    "mrr_lost",
    "gross_revenue_retention",
    "net_revenue_retention",
    "revenue_churn_rate",
)


def week_revenue(
    session: Session, period: Period, previous: Period, currency: str | None = None
) -> Revenue:
    """Movements of `period`, and NRR of the `previous` one for its change; the four
    bounds' MRR totals in one pass over the customers."""
    bounds = sorted({previous.start, previous.end, period.start, period.end})
    mrr = dict(zip(bounds, total_mrr(session, [just_before(b) for b in bounds]), strict=True))
    before = mrr_movements(session, previous, (mrr[previous.start], mrr[previous.end]))
    return Revenue(
        movements=mrr_movements(session, period, (mrr[period.start], mrr[period.end])),
        leavers=tuple(top_leavers(session, period, TOP_LEAVERS)),
        previous_nrr=before.net_revenue_retention,
        currency=currency,
    )


def revenue_json(digest: Digest) -> dict[str, Any]:
    """`mrr_lost`, `gross_revenue_retention`, `net_revenue_retention`, `revenue_churn_rate`
    at the top (null without revenue data), then `mrr_movements` and `mrr_lost_customers`."""
    revenue = digest.revenue
    if revenue is None:
        return {**dict.fromkeys(REVENUE_KEYS), "mrr_movements": None, "mrr_lost_customers": []}
    moved = movements_json(revenue.movements)
    data: dict[str, Any] = {key: moved[key] for key in REVENUE_KEYS}
    data["mrr_movements"] = {
        key.removeprefix("mrr_"): value for key, value in moved.items() if key not in data
    }
    data["change"] = {"net_revenue_retention": revenue.nrr_change}
    data["mrr_lost_customers"] = [leaver_json(x) for x in revenue.leavers]
    return data


def _unit(digest: Digest) -> str:
    """The edition's period, as its Revenue line says it: the monthly edition's figures
    are the month's movements, so it says "this month" / "vs last month"."""
    return "month" if digest.monthly else "week"


def _pct_change(delta: float | None, unit: str) -> str:
    text = fmt.change(delta, "pt")
    return f" ({text} vs last {unit})" if text else ""


def _money(revenue: Revenue, value: Any) -> str:
    return fmt.money(value, revenue.currency)


def _headline(revenue: Revenue, unit: str) -> Line:
    """MRR and its net change, NRR (with its change), GRR and revenue churn, MRR lost."""
    m = revenue.movements
    net = m.net_change
    sign = "+" if net >= 0 else fmt.MINUS
    line: list[Span] = [
        Span(f"MRR {_money(revenue, m.end)}", bold=True),
        Span(f" ({sign}{_money(revenue, abs(net))} this {unit}) · "),
    ]
    nrr, grr = m.net_revenue_retention, m.gross_revenue_retention
    if nrr is None:
        line.append(Span(f"NRR –: no MRR at the start of the {unit} · "))
    else:
        line.append(Span(f"NRR {fmt.pct(nrr)}", bold=True))
        line.append(Span(f"{_pct_change(revenue.nrr_change, unit)}, GRR {fmt.pct(grr)}, "))
        # Churned plus contraction MRR over the start's: the JSON's `revenue_churn_rate`.
        line.append(Span(f"revenue churn {fmt.pct(m.revenue_churn_rate)} · "))
    line.append(Span(f"MRR lost {_money(revenue, m.churned)}", bold=True))
    return tuple(line)


def _leavers(revenue: Revenue) -> tuple[Line, ...]:
    if not revenue.leavers:
        return ()
    names = "; ".join(
        f"{x.name or x.external_id}{f', {x.plan}' if x.plan else ''}: {_money(revenue, x.mrr)}"
        for x in revenue.leavers
    )
    return ((Span(f"Lost with: {names}"),),)


def revenue_section(digest: Digest) -> Section | None:
    """The revenue line (MRR, NRR, GRR, revenue churn, MRR lost with its top leavers) and
    the movements, said in the edition's period (week or month)."""
    revenue = digest.revenue
    if revenue is None or not digest.has_data:
        return None
    m = revenue.movements
    parts = (
        ("new", m.new, "+"),
        ("expansion", m.expansion, "+"),
        ("reactivation", m.reactivation, "+"),
        ("contraction", m.contraction, fmt.MINUS),
        ("churned", m.churned, fmt.MINUS),
    )
    words = ", ".join(
        f"{name} {sign if value else ''}{_money(revenue, value)}" for name, value, sign in parts
    )
    movements = (Span("MRR movements", bold=True), Span(f": {words}"))
    items = (Item(_headline(revenue, _unit(digest)), _leavers(revenue)), Item(movements))
    return Section("Revenue", items)
