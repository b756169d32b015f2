"""`retention-bot metrics`: retention, churn, NPS, CSAT and revenue retention for a period."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table

from bot.commands.periods import period_from_options
from bot.context import AppContext
from insights import metrics
from insights.digest import numbers
from insights.digest.numbers import money
from insights.margins import csat_margin, nps_margin
from insights.periods import Covered, so_far_note
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
    "nps_margin",
    "csat_margin",
    "mrr_lost",
    "gross_revenue_retention",
    "net_revenue_retention",
    "revenue_churn_rate",
)
PLANS_SHOWN = 5  # CLTV rows in the table (largest MRR first); JSON has every plan


def _show(value: object, suffix: str = "") -> str:
    """Counts with thousands separators (12,480); rates as computed; None as undefined."""
    if value is None:
        return "undefined"
    if isinstance(value, int):
        return f"{value:,}{suffix}"
    return f"{value}{suffix}"


def _of(part: int, whole: int, noun: str) -> str:
    return f"{part:,} of {whole:,} {noun}"


def _margins(result: metrics.RetentionMetrics) -> tuple[float | None, float | None]:
    """(NPS, CSAT) ± 95% margins in points (`insights.margins`), None without answers."""
    return (
        nps_margin(result.promoters, result.detractors, result.nps_responses),
        csat_margin(result.csat, result.csat_responses),
    )


def _csat(value: float | None) -> str:
    """Whole percent, as the digest writes it (82%); JSON keeps the exact figure."""
    return "undefined" if value is None else numbers.pct(value, 0)


def _margin(value: float | None, answers: int, unit: str = "") -> str:
    return "undefined" if value is None else f"± {value:.1f}{unit} (n = {answers:,})"


def _money(value: Decimal | None, currency: str | None) -> str:
    return "undefined" if value is None else numbers.money(value, currency)


def _monthly_churn(result: metrics.RetentionMetrics) -> str:
    """The churn rate CLTV divides by: the period's, scaled to a 30.44-day month (shown so
    the CLTV can be checked by hand; a period still under way scales by its hours so far)."""
    if not result.customers_start or not result.lost_customers:
        return "undefined"
    days = (result.period_to - result.period_from).total_seconds() / 86_400
    monthly = result.lost_customers / result.customers_start * metrics.DAYS_PER_MONTH / days
    return f"{monthly * 100:.2f}% (from {days:.1f} days)"


def render_table(
    result: metrics.RetentionMetrics,
    tz_name: str,
    revenue: RevenueReport | None = None,
    *,
    currency: str | None = None,
    covered: Covered | None = None,
) -> Table:
    """The figures as a two-column table; `covered` labels a period that has not ended."""
    tz = ZoneInfo(tz_name)
    start = result.period_from.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    end = result.period_to.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    title = f"Retention from {start} up to {end} ({tz_name})"
    if covered is not None and covered.so_far:
        title += f", {so_far_note(covered, tz)}"
    table = Table(title=title, min_width=len(title))  # as wide as the title, if the screen is
    table.add_column("metric")
    table.add_column("value", justify="right")
    nps_m, csat_m = _margins(result)
    rows = [
        ("customers at start", _show(result.customers_start)),
        ("customers at end", _show(result.customers_end)),
        ("new customers", _show(result.new_customers)),
        ("lost customers", _show(result.lost_customers)),
        ("  voluntary / involuntary", f"{result.lost_voluntary:,} / {result.lost_involuntary:,}"),
        ("reactivated", _show(result.reactivated_customers)),
        ("retention rate (CRR)", _show(result.retention_rate, "%")),
        ("churn rate", _show(result.churn_rate, "%")),
        ("  voluntary", _show(result.voluntary_churn_rate, "%")),
        ("  involuntary", _show(result.involuntary_churn_rate, "%")),
        ("NPS", numbers.nps(result.nps) if result.nps is not None else "undefined"),
        (
            "  promoters / passives / detractors",
            f"{result.promoters:,} / {result.passives:,} / {result.detractors:,}",
        ),
        ("  ± 95% margin (n answers)", _margin(nps_m, result.nps_responses)),
        ("CSAT", f"{_csat(result.csat)} of {result.csat_responses:,} answers"),
        ("  ± 95% margin (n answers)", _margin(csat_m, result.csat_responses, " pt")),
        (
            "survey response rate",
            f"{_show(result.response_rate, '%')} "
            f"({_of(result.surveys_answered, result.surveys_sent, 'sent')})",
        ),
        ("MRR at end", _money(result.mrr_end, currency)),
        ("ARPU (monthly)", _money(result.arpu, currency)),
        ("CLTV", _money(result.cltv, currency)),
        ("  churn per month (CLTV = ARPU / it)", _monthly_churn(result)),
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

    rows = [
        ("MRR at start → end", f"{cash(m.start)} → {cash(m.end)}"),
        ("  new / reactivation MRR", f"+{cash(m.new)} / +{cash(m.reactivation)}"),
        ("  expansion / contraction MRR", f"+{cash(m.expansion)} / −{cash(m.contraction)}"),
        ("  churned MRR (MRR lost)", f"−{cash(m.churned)}"),
        *((f"    {x.name or x.external_id}", cash(x.mrr)) for x in report.leavers),
        ("gross revenue retention (GRR)", _show(m.gross_revenue_retention, "%")),
        ("net revenue retention (NRR)", _show(m.net_revenue_retention, "%")),
        ("revenue churn rate", _show(m.revenue_churn_rate, "%")),
    ]
    for plan in report.plans[:PLANS_SHOWN]:
        rows.append((f"CLTV · {plan.plan or '(no plan)'}", cash(plan.cltv)))
        rows.append(
            (
                "  ARPU · churn per month",
                f"{cash(plan.arpu)} · {_show(plan.monthly_churn_rate, '%')}",
            )
        )
    rows.append(("average order value", cash(o.average_order_value)))
    rows.append(("purchase frequency", _show(o.purchase_frequency)))
    rows.append(("  purchases / customers", f"{o.purchases:,} / {o.purchasing_customers:,}"))
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

    Dates are read in TIMEZONE. Without options: the last 30 days, today included so far;
    --from alone: until now. A period that has not ended is cut off at now and labelled
    "so far"; one that has not started is refused. A figure with no denominator (no
    customers at start, no answers) is shown as undefined, never as 0.
    """
    covered = period_from_options(start, end, app.settings.tz, app.clock())
    app.refresh_lifecycle()
    factory = app.database()
    with factory() as session:
        result = metrics.compute(session, covered.period)
        first = metrics.first_data_at(session)
        revenue = revenue_report(session, covered.period)
    before_first = first is None or covered.period.end <= first
    if fmt == "json":
        data = {**result.as_json(), **revenue.as_json()}
        data["nps_margin"], data["csat_margin"] = _margins(result)
        ordered = {key: data[key] for key in JSON_KEYS}
        ordered.update({key: value for key, value in data.items() if key not in ordered})
        ordered["so_far"] = covered.so_far
        ordered["before_first_data"] = before_first
        click.echo(json.dumps(ordered, ensure_ascii=False))
    elif before_first:
        click.echo(_before_first_data(first, app.settings.core.timezone))
    else:
        Console().print(
            render_table(
                result,
                app.settings.core.timezone,
                revenue,
                currency=app.settings.core.currency,
                covered=covered,
            )
        )


def _before_first_data(first: datetime | None, tz_name: str) -> str:
    if first is None:
        return "No data: no customers have been imported yet."
    day = first.astimezone(ZoneInfo(tz_name)).date().isoformat()
    return (
        f"No data: this period ends before the records begin ({day}: the first event, "
        "survey or churn; sign-up dates before it say nothing about who left)."
    )


def register(group: click.Group) -> None:
    group.add_command(metrics_command)
