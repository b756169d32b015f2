"""`retention-bot metrics`: retention, churn, NPS, CSAT and revenue retention for a period."""

from __future__ import annotations

import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table

from bot.commands.periods import period_from_options
from bot.context import AppContext
from insights import metrics
from insights.digest.numbers import money
from insights.revenue.report import RevenueReport, revenue_report

JSON_KEYS = (
    "customers_start",
    "customers_end",
    "new_customers",
    "lost_customers",
    "lost_voluntary",
    "lost_involuntary",
    "retention_rate",
    "churn_rate",
    "nps",
    "nps_responses",
    "promoters",
    "passives",
    "detractors",
    "csat",
    "csat_responses",
    "mrr_lost",
    "gross_revenue_retention",
    "net_revenue_retention",
    "revenue_churn_rate",
)
PLANS_SHOWN = 5  # CLTV rows in the table (largest MRR first); JSON has every plan


def _show(value: object, suffix: str = "") -> str:
    if value is None:
        return "undefined"
    return f"{value}{suffix}"


def render_table(
    result: metrics.RetentionMetrics,
    tz_name: str,
    revenue: RevenueReport | None = None,
    currency: str | None = None,
) -> Table:
    tz = ZoneInfo(tz_name)
    start = result.period_from.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    end = result.period_to.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    table = Table(title=f"Retention from {start} up to {end} ({tz_name})")
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows = [
        ("customers at start", _show(result.customers_start)),
        ("customers at end", _show(result.customers_end)),
        ("new customers", _show(result.new_customers)),
        (
            "lost customers (voluntary / involuntary)",
            f"{result.lost_customers} ({result.lost_voluntary} / {result.lost_involuntary})",
        ),
        ("reactivated", _show(result.reactivated_customers)),
        ("retention rate (CRR)", _show(result.retention_rate, "%")),
        ("churn rate", _show(result.churn_rate, "%")),
        ("  voluntary", _show(result.voluntary_churn_rate, "%")),
        ("  involuntary", _show(result.involuntary_churn_rate, "%")),
        (
            "NPS (promoters / passives / detractors)",
            f"{_show(result.nps)} ({result.promoters} / {result.passives} / {result.detractors})",
        ),
        ("CSAT", f"{_show(result.csat, '%')} of {result.csat_responses} answers"),
        (
            "survey response rate",
            f"{_show(result.response_rate, '%')} ({result.surveys_answered} of "
            f"{result.surveys_sent} sent)",
        ),
        ("MRR at end", f"{result.mrr_end:.2f}"),
        ("ARPU (monthly)", _show(result.arpu)),
        ("CLTV", _show(result.cltv)),
    ]
    for name, value in rows:
        table.add_row(name, value)
    if revenue is not None:
        for name, value in revenue_rows(revenue, currency):
            table.add_row(name, value)
    return table


def revenue_rows(report: RevenueReport, currency: str | None) -> list[tuple[str, str]]:
    """The revenue part of the table: movements, retention, MRR lost, CLTV by plan, orders."""
    m, o = report.movements, report.orders

    def cash(value: Decimal | None) -> str:
        return "undefined" if value is None else money(value, currency)

    leavers = ", ".join(f"{x.name or x.external_id} {money(x.mrr)}" for x in report.leavers)
    rows = [
        ("MRR at start → end", f"{cash(m.start)} → {cash(m.end)}"),
        ("  new / reactivation MRR", f"+{cash(m.new)} / +{cash(m.reactivation)}"),
        ("  expansion / contraction MRR", f"+{cash(m.expansion)} / −{cash(m.contraction)}"),
        ("  churned MRR (MRR lost)", f"−{cash(m.churned)}" + (f" ({leavers})" if leavers else "")),
        ("gross revenue retention (GRR)", _show(m.gross_revenue_retention, "%")),
        ("net revenue retention (NRR)", _show(m.net_revenue_retention, "%")),
        ("revenue churn rate", _show(m.revenue_churn_rate, "%")),
    ]
    for plan in report.plans[:PLANS_SHOWN]:
        rows.append(
            (
                f"CLTV · {plan.plan or '(no plan)'}",
                f"{cash(plan.cltv)} (ARPU {cash(plan.arpu)}, churn "
                f"{_show(plan.monthly_churn_rate, '%')}/month)",
            )
        )
    rows.append(("average order value", cash(o.average_order_value)))
    rows.append(
        (
            "purchase frequency",
            f"{_show(o.purchase_frequency)} ({o.purchases} purchases by "
            f"{o.purchasing_customers} customers)",
        )
    )
    return rows


@click.command("metrics")
@click.option("--from", "start", metavar="DATE", help="First day (or time) of the period.")
@click.option(
    "--to", "end", metavar="DATE", help="First day after the period (exclusive). Default: today."
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def metrics_command(app: AppContext, start: str | None, end: str | None, fmt: str) -> None:
    """Retention rate, churn (voluntary / involuntary), NPS, CSAT, MRR movements, GRR,
    NRR, CLTV by plan and order value for [--from, --to).

    Dates are read in TIMEZONE; without options, the last 30 full days. A figure with no
    denominator (no customers at start, no answers) is shown as undefined, never as 0.
    """
    period = period_from_options(start, end, app.settings.tz)
    app.refresh_lifecycle()
    factory = app.database()
    with factory() as session:
        result = metrics.compute(session, period)
        revenue = revenue_report(session, period)
    if fmt == "json":
        data = {**result.as_json(), **revenue.as_json()}
        ordered = {key: data[key] for key in JSON_KEYS}
        ordered.update({key: value for key, value in data.items() if key not in ordered})
        click.echo(json.dumps(ordered, ensure_ascii=False))
    else:
        core = app.settings.core
        Console().print(render_table(result, core.timezone, revenue, core.currency))


def register(group: click.Group) -> None:
    group.add_command(metrics_command)
