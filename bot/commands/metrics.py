"""`retention-bot metrics`: retention, churn, NPS and CSAT for a period."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table

from bot.commands.periods import period_from_options
from bot.context import AppContext
from insights import metrics
from insights.margins import csat_margin, nps_margin

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
)


def _show(value: object, suffix: str = "") -> str:
    if value is None:
        return "undefined"
    return f"{value}{suffix}"


def _margins(result: metrics.RetentionMetrics) -> tuple[float | None, float | None]:
    """(NPS, CSAT) ± 95% margins in points (`insights.margins`), None without answers."""
    return (
        nps_margin(result.promoters, result.detractors, result.nps_responses),
        csat_margin(result.csat, result.csat_responses),
    )


def _margin(value: float | None, answers: int, unit: str = "") -> str:
    return "undefined" if value is None else f"± {value:.1f}{unit} (n = {answers})"


def render_table(result: metrics.RetentionMetrics, tz_name: str) -> Table:
    tz = ZoneInfo(tz_name)
    start = result.period_from.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    end = result.period_to.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    table = Table(title=f"Retention from {start} up to {end} ({tz_name})")
    table.add_column("metric")
    table.add_column("value", justify="right")
    nps_m, csat_m = _margins(result)
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
        ("  ± 95% margin (n answers)", _margin(nps_m, result.nps_responses)),
        ("CSAT", f"{_show(result.csat, '%')} of {result.csat_responses} answers"),
        ("  ± 95% margin (n answers)", _margin(csat_m, result.csat_responses, " pt")),
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
    return table


@click.command("metrics")
@click.option("--from", "start", metavar="DATE", help="First day (or time) of the period.")
@click.option(
    "--to", "end", metavar="DATE", help="First day after the period (exclusive). Default: today."
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def metrics_command(app: AppContext, start: str | None, end: str | None, fmt: str) -> None:
    """Retention rate, churn (voluntary / involuntary), NPS, CSAT for [--from, --to).

    Dates are read in TIMEZONE; without options, the last 30 full days. A figure with no
    denominator (no customers at start, no answers) is shown as undefined, never as 0.
    """
    period = period_from_options(start, end, app.settings.tz)
    app.refresh_lifecycle()
    factory = app.database()
    with factory() as session:
        result = metrics.compute(session, period)
    if fmt == "json":
        data = result.as_json()
        data["nps_margin"], data["csat_margin"] = _margins(result)
        ordered = {key: data[key] for key in JSON_KEYS}
        ordered.update({key: value for key, value in data.items() if key not in ordered})
        click.echo(json.dumps(ordered, ensure_ascii=False))
    else:
        Console().print(render_table(result, app.settings.core.timezone))


def register(group: click.Group) -> None:
    group.add_command(metrics_command)
