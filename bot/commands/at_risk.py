"""`retention-bot at-risk`: the customers most likely to leave, by revenue at risk."""

from __future__ import annotations

import json
from decimal import Decimal

import click
from rich.console import Console
from rich.table import Table

from bot.context import AppContext
from insights.at_risk import AtRiskCustomer, at_risk
from insights.risk import RiskModel, chance


def footer(rows: list[AtRiskCustomer], model: RiskModel) -> str:
    """Expected MRR loss of the listed customers, and how good the model was in its backtest."""
    total = sum((row.revenue_at_risk for row in rows), Decimal(0))
    return (
        f"Expected MRR loss in {model.horizon_days} days from these {len(rows):,} customers: "
        f"{total:,.2f} (sum of MRR × probability). Model: {model.summary()}."
    )


def render_table(rows: list[AtRiskCustomer]) -> Table:
    horizon = rows[0].horizon_days if rows else 30
    caption = footer(rows, rows[0].model) if rows else None
    table = Table(
        title="Customers at risk, by expected MRR loss (MRR × probability of churning)",
        caption=caption,
    )
    for name, justify in (("#", "right"), ("customer", "left"), ("plan", "left"),
                          (f"churn in {horizon} days", "right"), ("MRR", "right"),
                          ("expected loss", "right"), ("why", "left")):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for n, row in enumerate(rows, start=1):
        table.add_row(
            str(n),
            f"{row.name or ''} ({row.external_id})" if row.name else row.external_id,
            row.plan or "",
            chance(row.probability, None),
            f"{row.mrr:.2f}",
            f"{row.revenue_at_risk:.2f}",
            "; ".join(row.reasons),
        )
    return table


@click.command("at-risk")
@click.option(
    "--limit",
    type=click.IntRange(0, None),
    default=10,
    show_default=True,
    help="How many customers to list; 0 lists every active customer.",
)
@click.option("--all", "everyone", is_flag=True, help="List every active customer (= --limit 0).")
@click.option("--plan", help="Only customers on this plan.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def at_risk_command(
    app: AppContext, limit: int, everyone: bool, plan: str | None, fmt: str
) -> None:
    """Active customers most likely to leave, with why, ordered by expected MRR loss.

    Each customer's risk is the probability of churning within the model's horizon
    (RISK_HORIZON_DAYS, 30 by default), learnt from this company's history by
    `retention-bot risk fit` (weekly inside `run`); revenue at risk = MRR × probability.
    See docs/risk.md.
    """
    app.refresh_lifecycle()
    factory = app.database()
    with factory() as session:
        rows = at_risk(
            session,
            app.clock(),
            app.risk_weights,
            limit=None if everyone or limit == 0 else limit,
            plan=plan,
        )
    if fmt == "json":
        click.echo(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
    elif not rows:
        click.echo("No active customers" + (f" on plan {plan!r}." if plan else "."))
    else:
        Console().print(render_table(rows))


def register(group: click.Group) -> None:
    group.add_command(at_risk_command)
