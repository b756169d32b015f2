"""`retention-bot at-risk`: the customers most likely to leave, by revenue at risk."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, tzinfo
from decimal import Decimal

import click
from rich.console import Console

from bot.commands.call_list_text import render_call_list
from bot.context import AppContext
from insights.at_risk import (
    AtRiskCustomer,
    UnknownPlan,
    no_customers_on_plan,
    plan_is_known,
    plans_on_record,
)
from insights.call_list import call_list
from insights.digest import numbers
from insights.risk import RiskModel


def footer(rows: list[AtRiskCustomer], model: RiskModel, currency: str | None = None) -> str:
    """Expected MRR loss of the listed customers, and how good the model was in its backtest."""
    total = sum((row.revenue_at_risk for row in rows), Decimal(0))
    return (
        f"Expected MRR loss in {model.horizon_days} days from these {len(rows):,} customers: "
        f"{numbers.money(total, currency)} (sum of MRR × probability). Model: {model.summary()}."
    )


def render_text(
    rows: list[AtRiskCustomer], as_of: datetime, tz: tzinfo, currency: str | None, width: int
) -> str:
    """The call list at `width` columns, then its footer wrapped to the same width."""
    body = render_call_list(rows, as_of=as_of, tz=tz, width=width, currency=currency)
    if not rows:
        return body
    return body + "\n\n" + "\n".join(textwrap.wrap(footer(rows, rows[0].model, currency), width))


@click.command("at-risk")
@click.option(
    "--limit",
    type=click.IntRange(0, None),
    default=10,
    show_default=True,
    help="How many customers to list; 0 lists every active customer.",
)
@click.option("--all", "everyone", is_flag=True, help="List every active customer (= --limit 0).")
@click.option(
    "--plan", help="Only customers on this plan (any case); a plan nobody has is an error."
)
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
    if plan is not None:
        plan = plan.strip()
        if not plan:
            raise click.BadParameter("give a plan name", param_hint="--plan")
    app.refresh_lifecycle()
    factory = app.database()
    now = app.clock()
    with factory() as session:
        rows = call_list(
            session,
            now,
            app.risk_weights,
            limit=None if everyone or limit == 0 else limit,
            plan=plan,
        )
        plans = plans_on_record(session) if plan is not None and not rows else None
    if plan is not None and plans is not None and not plan_is_known(plan, plans):
        raise UnknownPlan(no_customers_on_plan(plan, plans))
    if fmt == "json":
        click.echo(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
    elif not rows:
        click.echo(no_customers_on_plan(plan, plans) if plan else "No active customers.")
    else:
        settings = app.settings
        width = Console().width
        click.echo(render_text(rows, now, settings.tz, settings.core.currency, width))


def register(group: click.Group) -> None:
    group.add_command(at_risk_command)
