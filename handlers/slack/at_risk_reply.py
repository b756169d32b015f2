"""`/churn at-risk`: customers most at risk, by revenue at risk, each with why.

A long list (`/churn at-risk 500`) is shown as far as Slack's limits and a readable
length allow, then "…and N more", pointing to the CLI that prints all of it.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal

from handlers.slack import blocks
from handlers.slack.churn_queries import AtRiskResult
from handlers.slack.formatting import customer_title, day, money
from insights.at_risk import AtRiskCustomer, no_customers_on_plan
from insights.call_list import contact_note
from insights.digest import numbers
from insights.risk import chance, percent

# Header, context, and the buttons the command adds at the end (the model's footer is
# counted where it is added).
RESERVED_BLOCKS = 4


def line(
    rank: int, row: AtRiskCustomer, as_of: datetime, tz: tzinfo, currency: str | None = None
) -> str:
    plan = f" · {blocks.escape(row.plan)}" if row.plan else ""
    new = " · *new this week*" if row.new_to_list else ""
    why = "; ".join(blocks.escape(reason) for reason in row.reasons[:3]) or "no strong signal"
    contact = blocks.escape(contact_note(row.owner, row.last_contacted_at, as_of, tz))
    return (
        f"{rank}. {customer_title(row.name, row.external_id)}{plan}{new}\n"
        f"      *{percent(row.probability)}* in {row.horizon_days} days · "
        f"MRR {money(row.mrr, currency)} · "
        f"expected loss *{money(row.revenue_at_risk, currency)}*\n"
        f"      {contact}\n"
        f"      _{why}_"
    )


def render(result: AtRiskResult, tz: tzinfo, currency: str | None = None) -> blocks.SlackReply:
    query, rows = result.query, result.customers
    scope = f" on plan {blocks.escape(query.plan)}" if query.plan else ""
    title = f"Customers most at risk{scope}"
    if not rows:
        text = (
            blocks.escape(no_customers_on_plan(query.plan, result.plans))
            if query.plan
            else "No active customers."
        )
        return blocks.SlackReply(text, [blocks.header(title), blocks.section(text)])
    total = sum((row.revenue_at_risk for row in rows), Decimal(0))
    model = rows[0].model
    days = model.horizon_days
    body = [
        blocks.header(title),
        blocks.context(
            f"Top {numbers.count(len(rows))} by expected MRR loss (MRR × probability of "
            f"churning within {days} days), as of {day(result.as_of, tz)} · "
            f"{money(total, currency)} MRR expected lost in {days} days from this list"
        ),
    ]
    limit = query.limit
    plan = f' --plan "{query.plan}"' if query.plan else ""
    body += blocks.list_sections(
        [line(n, row, result.as_of, tz, currency) for n, row in enumerate(rows, start=1)],
        more=lambda left: (
            f"…and {numbers.count(left)} more. "
            f"`retention-bot at-risk --limit {limit}{plan}` prints the whole list."
        ),
        max_blocks=blocks.MAX_BLOCKS - len(body) - RESERVED_BLOCKS - 1,
    )
    body.append(blocks.context(f"Model: {blocks.escape(model.summary())}"))
    first = rows[0]
    text = (
        f"{title}: {len(rows)} customers; first {first.name or first.external_id} "
        f"({chance(first.probability, days)}, MRR {money(first.mrr, currency)})"
    )
    return blocks.SlackReply(text, body)
