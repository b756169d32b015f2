"""`retention-bot demo`: see the product work in a minute, with no tokens and no settings.

Generates a synthetic company as CSV files, loads them through the same import path a real
company uses, and reports what the product sees, all inside one output folder.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from bot.commands.at_risk import render_text as at_risk_text
from bot.commands.metrics import render_table
from bot.commands.outputs import prepare_folder, writing
from bot.commands.progress import count_progress
from bot.commands.risk import refit_now
from bot.context import AppContext
from bot.csvinput import open_rows
from bot.digest_posting import compose_week
from bot.synthetic import generate
from config import load_settings
from insights import feedback, metrics
from insights.call_list import call_list
from insights.digest import IsoWeek, render_chart, render_markdown
from insights.ingest import (
    CustomerImporter,
    EventImporter,
    Rejection,
    ResponseImporter,
)
from insights.periods import Covered, last_days, up_to_now
from insights.records import CUSTOMER_COLUMNS, EVENT_COLUMNS, RESPONSE_COLUMNS
from insights.revenue.report import revenue_report
from storage import schema
from surveys.send_history import record_sends

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.synthetic import DemoCounts
    from config import Settings
    from insights.at_risk import AtRiskCustomer
    from insights.metrics import RetentionMetrics
    from insights.revenue.report import RevenueReport
    from insights.risk_history import Refit


def _clear_output(output: Path) -> None:
    """Make ``output`` an empty demo folder (earlier demo files removed), or say in one
    line why it cannot be: it is a file, it cannot be created, it is not writable."""
    prepare_folder(output)
    with writing(output, "clear the folder"):
        for name in ("demo.db", "demo.db-wal", "demo.db-shm"):
            (output / name).unlink(missing_ok=True)
        shutil.rmtree(output / "data", ignore_errors=True)


@dataclass(frozen=True)
class _Figures:
    """What the demo reports: last week's and the last 30 days' figures, and who is at risk."""

    last_week: IsoWeek
    month: Covered
    weekly: RetentionMetrics
    monthly: RetentionMetrics
    weekly_revenue: RevenueReport
    monthly_revenue: RevenueReport
    risky: list[AtRiskCustomer]


def _import_generated(
    app: AppContext,
    factory: sessionmaker[Session],
    data: Path,
    reject: Callable[[Rejection], None],
    step: Callable[[str, int], None],
) -> None:
    """Load the generated CSV files through the same importers a real company uses."""
    tz = app.settings.tz
    rules = app.services.lifecycle_rules
    importers = [
        ("customers", CustomerImporter(factory, tz, reject)),
        ("events", EventImporter(factory, tz, reject, rules=rules)),
        ("responses", ResponseImporter(factory, tz, reject)),
    ]
    columns = {"customers": CUSTOMER_COLUMNS, "events": EVENT_COLUMNS,
               "responses": RESPONSE_COLUMNS}  # fmt: skip
    for number, (kind, importer) in enumerate(importers, start=1):
        step(f"importing {kind}", number)
        with (data / f"{kind}.csv").open("rb") as stream:
            _, rows = open_rows(stream, kind, columns[kind])
            importer.run(rows)


def _figures(app: AppContext, factory: sessionmaker[Session], now: datetime) -> _Figures:
    """Last full week and the last 30 days, and the top of the call list, as of `now`."""
    tz = app.settings.tz
    last_week = IsoWeek.last_full(now, tz)
    week = last_week.period(tz)
    # The one "last 30 days" (insights.periods): today included, so far.
    month = up_to_now(last_days(30, tz, now), now, "the last 30 days")
    with factory() as session:
        return _Figures(
            last_week=last_week,
            month=month,
            weekly=metrics.compute(session, week),
            monthly=metrics.compute(session, month.period),
            weekly_revenue=revenue_report(session, week),
            monthly_revenue=revenue_report(session, month.period),
            risky=call_list(session, now, app.risk_weights, limit=50),
        )


def _write_digest_and_call_list(
    app: AppContext, factory: sessionmaker[Session], output: Path, figures: _Figures, now: datetime
) -> None:
    """digest.md, digest.png and at-risk.json in the output folder."""
    digest = compose_week(app.settings, factory, figures.last_week, now)
    (output / "digest.md").write_text(render_markdown(digest), encoding="utf-8")
    (output / "digest.png").write_bytes(render_chart(digest))
    (output / "at-risk.json").write_text(
        json.dumps([row.as_json() for row in figures.risky], indent=2, ensure_ascii=False),
        encoding="utf-8",
    )


def _summary(
    counts: DemoCounts, rejected: list[str], figures: _Figures, fit: Refit
) -> dict[str, object]:
    """What metrics.json holds and `run_demo` returns."""
    return {
        "generated": counts.__dict__,
        "rejected_rows": rejected,
        "last_week": {**figures.weekly.as_json(), **figures.weekly_revenue.as_json()},
        "last_30_days": {**figures.monthly.as_json(), **figures.monthly_revenue.as_json()},
        "risk_model": {
            "version": fit.model.version,
            "kind": fit.model.kind,
            "horizon_days": fit.model.horizon_days,
            "summary": fit.model.summary(),
            "backtest": fit.model.backtest,
        },
    }


def _print_report(
    console: Console, settings: Settings, figures: _Figures, fit: Refit, now: datetime
) -> None:
    """The last 30 days' table, the top five at risk, and the risk model in one line."""
    currency = settings.core.currency
    console.print(
        render_table(
            figures.monthly,
            settings.core.timezone,
            figures.monthly_revenue,
            currency=currency,
            covered=figures.month,
        )
    )
    console.print(at_risk_text(figures.risky[:5], now, settings.tz, currency, console.width))
    console.print(f"Churn risk model: {fit.model.kind}, {fit.model.summary()} ({fit.note}).")


def run_demo(
    output: Path, customers: int, seed: int, console: Console, months: int = 12
) -> dict[str, object]:
    _clear_output(output)
    settings = load_settings(database_url=f"sqlite:///{output / 'demo.db'}")
    app = AppContext(_settings=settings)
    now = app.clock()
    rejected: list[str] = []

    def reject(rejection: Rejection) -> None:
        rejected.append(f"line {rejection.line}: {rejection.message}")

    with count_progress("demo") as progress:
        task = progress.add_task("generating a synthetic company", total=customers)
        counts = generate(
            output / "data",
            customers=customers,
            months=months,
            seed=seed,
            today=now,
            progress=lambda n: progress.update(task, completed=n),
        )
        progress.update(task, description="creating the database", completed=0, total=4)
        schema.upgrade(app.engine)
        factory = app.database()
        _import_generated(
            app,
            factory,
            output / "data",
            reject,
            lambda description, done: progress.update(
                task, description=description, completed=done
            ),
        )
        progress.update(task, description="recording survey sends", completed=4)
        record_sends(
            factory,
            output / "data" / "sends.csv",
            now,
            timedelta(days=settings.surveys.survey_expiry_days),
        )
        progress.update(task, description="tagging feedback", completed=4)
        feedback.tag_pending(factory, app.tagger)
        progress.update(task, description="learning churn risk from the history", completed=4)
        fit = refit_now(settings, factory, app.risk_weights, now)
        progress.update(task, description="computing metrics", completed=4)
        figures = _figures(app, factory, now)
        progress.update(task, description="writing the weekly digest")
        _write_digest_and_call_list(app, factory, output, figures, now)
    app.close()
    summary = _summary(counts, rejected, figures, fit)
    (output / "metrics.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    _print_report(console, settings, figures, fit, now)
    return summary


@click.command("demo")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the demo database and files (recreated on each run).",
)
@click.option("--customers", type=click.IntRange(50, 1_000_000), default=2_400, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option(
    "--months",
    type=click.IntRange(3, 36),
    default=12,
    show_default=True,
    help="Months of history (the risk model learns from it).",
)
def demo_command(output: Path, customers: int, seed: int, months: int) -> None:
    """Run the product on a synthetic company (no tokens or settings needed)."""
    console = Console()
    summary = run_demo(output, customers, seed, console, months)
    generated = summary["generated"]
    console.print(
        f"Synthetic company: {generated['customers']} customers, {generated['events']} events, "  # type: ignore[index]
        f"{generated['responses']} survey answers in en, ru, uk, da, zh."  # type: ignore[index]
    )
    if summary["rejected_rows"]:
        console.print(f"[red]{len(summary['rejected_rows'])} rows were rejected[/red]")  # type: ignore[arg-type]
    console.print(
        f"Files are in {output.resolve()}/: digest.md and digest.png (last week's digest), "
        "at-risk.json, metrics.json, demo.db, data/*.csv."
    )
    console.print(
        f"Explore: DATABASE_URL=sqlite:///{output / 'demo.db'} retention-bot metrics --format json"
    )


def register(group: click.Group) -> None:
    group.add_command(demo_command)
