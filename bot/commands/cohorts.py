"""`retention-bot cohorts`: retention by sign-up month (or week), as a table, JSON or heatmap.

    retention-bot cohorts [--by month|week] [--metric customers|revenue]
                          [--from 2025-12] [--to 2026-11] [--cohorts 12] [--periods 12]
                          [--format table|json] [--chart cohorts.png]

Definitions: `insights.cohorts` (and README "Cohorts").
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

from bot.commands.outputs import check_file_target, writing
from bot.context import AppContext
from insights import cohorts
from insights.digest.months import Month, MonthFormatError
from insights.digest.weeks import IsoWeek, WeekFormatError

DEFAULT_COHORTS = 12
DEFAULT_PERIODS = 12
MAX_COHORTS = 260  # five years of weeks; twenty of months
UNITS: dict[str, Any] = {"month": Month, "week": IsoWeek}
EXAMPLES = {"month": "2026-11", "week": "2026-W47"}


def _cohort(value: str, by: str, option: str) -> Any:
    try:
        return UNITS[by].parse(value)
    except (MonthFormatError, WeekFormatError) as error:
        raise click.BadParameter(
            f"{error} (with --by {by}, cohorts are written like {EXAMPLES[by]})",
            param_hint=option,
        ) from None


def _between(first: Any, last: Any) -> int:
    """How many months (weeks) from `first` to `last`, both included."""
    if isinstance(first, Month):
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return (last.monday - first.monday).days // 7 + 1


def choose_cohorts(
    by: str, start: str | None, end: str | None, count: int, now: datetime, tz: Any
) -> list[Any]:
    """The cohorts asked for, oldest first; click.BadParameter says what is wrong."""
    unit = UNITS[by]
    latest = unit.last_full(now, tz)
    last = _cohort(end, by, "--to") if end else latest
    if last > latest:
        raise click.BadParameter(
            f"{last} has not ended yet: the last full {by} is {latest}", param_hint="--to"
        )
    first = _cohort(start, by, "--from") if start else last.shift(1 - count)
    if first > last:
        raise click.BadParameter(f"{first} is after --to {last}", param_hint="--from")
    total = _between(first, last)
    if total > MAX_COHORTS:
        raise click.BadParameter(
            f"{first}..{last} is {total} cohorts; at most {MAX_COHORTS} at a time",
            param_hint="--from",
        )
    return [first.shift(i) for i in range(total)]


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _base(cohort: cohorts.Cohort, metric: str) -> str:
    if metric == "customers":
        return f"{cohort.customers:,}"
    return "" if cohort.start_mrr is None else f"{cohort.start_mrr:,.0f}"


def render_table(table: cohorts.CohortTable, periods: int) -> Table:
    """Cohorts down, periods across, whole percentages: 12 periods fit 80 columns."""
    unit = table.by
    shown = min(periods, table.periods)
    what = "Customer" if table.metric == "customers" else "Revenue (MRR)"
    view = Table(
        title=f"{what} retention by sign-up {unit}, %, by {unit}s since sign-up",
        caption=_caption(table),
        box=box.SIMPLE_HEAD,
        padding=(0, 0, 0, 1),
        caption_justify="left",
    )
    view.add_column("cohort", no_wrap=True)
    view.add_column("size" if table.metric == "customers" else "MRR 0", justify="right")
    for k in range(shown):
        view.add_column(str(k), justify="right", min_width=3)
    for cohort in table.cohorts:
        cells = [_cell(v) for v in cohort.retention[:shown]]
        cells += [""] * (shown - len(cells))
        view.add_row(cohort.label, _base(cohort, table.metric), *cells)
    return view


def _caption(table: cohorts.CohortTable) -> str:
    unit = table.by
    if table.metric == "customers":
        meaning = (
            f"Size: customers who signed up in the {unit}. Cell k: % of them still customers "
            f"at the end of {unit} k (0 = the sign-up {unit})."
        )
    else:
        meaning = (
            f"Cell k: the cohort's MRR at the end of {unit} k as a share of its MRR at the "
            f"end of {unit} 0 (MRR 0); above 100 = expansion."
        )
    return f"{meaning} Empty: not ended yet. Times in {table.timezone}."


@click.command("cohorts")
@click.option(
    "--by",
    type=click.Choice(["month", "week"]),
    default="month",
    show_default=True,
    help="Group customers by the calendar month or ISO week they signed up in.",
)
@click.option(
    "--metric",
    type=click.Choice(list(cohorts.METRICS)),
    default="customers",
    show_default=True,
    help="customers: share still active; revenue: share of the cohort's MRR kept.",
)
@click.option("--from", "start", metavar="COHORT", help="First cohort, e.g. 2025-12 or 2025-W49.")
@click.option(
    "--to", "end", metavar="COHORT", help="Last cohort (default: the last full month or week)."
)
@click.option(
    "--cohorts",
    "count",
    type=click.IntRange(1, MAX_COHORTS),
    default=DEFAULT_COHORTS,
    show_default=True,
    help="How many cohorts, ending at --to (ignored with --from).",
)
@click.option(
    "--periods",
    type=click.IntRange(1, MAX_COHORTS),
    default=DEFAULT_PERIODS,
    show_default=True,
    help="Periods after sign-up to show (the table stays within 80 columns up to 12).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a heatmap of the table to this PNG file.",
)
@click.pass_obj
def cohorts_command(
    app: AppContext,
    by: str,
    metric: cohorts.Metric,
    start: str | None,
    end: str | None,
    count: int,
    periods: int,
    fmt: str,
    chart: Path | None,
) -> None:
    """Of the customers who signed up in a month, how many are still here k months later?

    One row per sign-up cohort (month or ISO week in TIMEZONE), one column per period
    after sign-up: the share of the cohort still active at the end of that period
    (--metric customers) or the share of its MRR still billed (--metric revenue, against
    its MRR at the end of the sign-up period). Periods that have not ended are empty.
    """
    if chart is not None and chart.suffix.lower() != ".png":
        raise click.BadParameter(f"{chart} should end in .png", param_hint="--chart")
    now = app.clock()
    tz = app.settings.tz
    chosen = choose_cohorts(by, start, end, count, now, tz)
    if chart is not None:
        check_file_target(chart)
    app.refresh_lifecycle()
    with app.database()() as session:
        table = cohorts.compute(
            session,
            chosen,
            tz,
            now,
            metric,
            by=by,
            max_periods=periods,  # type: ignore[arg-type]
        )
    trimmed = table.trimmed()  # without the empty cohorts before the first sign-up
    if start is None:
        table = trimmed  # "the last 12 months" of a younger company: from its first
    elif trimmed.cohorts and len(trimmed.cohorts) < len(table.cohorts):
        click.echo(
            f"note: the first sign-up is in {trimmed.cohorts[0].label}; "
            f"the empty cohorts from {chosen[0]} before it are left out",
            err=True,
        )
        table = trimmed
    if not table.cohorts:
        click.echo(f"note: nobody signed up from {chosen[0]} to {chosen[-1]}", err=True)
    if fmt == "json":
        click.echo(json.dumps(table.as_json(), ensure_ascii=False))
    else:
        Console().print(render_table(table, periods))
    if chart is not None:
        from insights.cohort_chart import render_heatmap

        with writing(chart):
            chart.write_bytes(render_heatmap(table))
        click.echo(f"heatmap written to {chart}", err=True)


def register(group: click.Group) -> None:
    group.add_command(cohorts_command)
