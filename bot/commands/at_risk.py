"""`retention-bot at-risk`: the customers most likely to leave, by revenue at risk."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from rich.console import Console
from rich.table import Table

from bot.context import AppContext
from insights.at_risk import AtRiskCustomer, at_risk


def render_table(rows: list[AtRiskCustomer]) -> Table:
    table = Table(title="Customers at risk, by revenue at risk (MRR × risk)")
    for name, justify in (("#", "right"), ("customer", "left"), ("plan", "left"),
                          ("risk", "right"), ("MRR", "right"), ("at risk", "right"),
                          ("why", "left")):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for n, row in enumerate(rows, start=1):
        table.add_row(
            str(n),
            f"{row.name or ''} ({row.external_id})" if row.name else row.external_id,
            row.plan or "",
            str(row.score),
            f"{row.mrr:.2f}",
            f"{row.revenue_at_risk:.2f}",
            "; ".join(row.reasons),
        )
    return table


@click.command("at-risk")
@click.option("--limit", type=click.IntRange(1, 100_000), default=10, show_default=True)
@click.option("--plan", help="Only customers on this plan.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def at_risk_command(app: AppContext, limit: int, plan: str | None, fmt: str) -> None:
    """Active customers most likely to leave, with why, ordered by revenue at risk.

    Each score (0-100) is explained by its top reasons; revenue at risk = MRR × score / 100.
    Weights: RISK_WEIGHTS_FILE (see docs/risk.md).
    """
    app.refresh_lifecycle()
    factory = app.database()
    with factory() as session:
        rows = at_risk(session, datetime.now(UTC), app.risk_weights, limit=limit, plan=plan)
    if fmt == "json":
        click.echo(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
    elif not rows:
        click.echo("No active customers" + (f" on plan {plan!r}." if plan else "."))
    else:
        Console().print(render_table(rows))


def register(group: click.Group) -> None:
    group.add_command(at_risk_command)
