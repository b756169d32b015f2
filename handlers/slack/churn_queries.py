"""Running a /churn query against the core: one function per subcommand, plain results.

Figures come from the core's own functions (`insights.metrics.compute`,
`insights.revenue.report.revenue_report`,
`insights.at_risk.at_risk`, `insights.reason_trends`, `insights.customer_story`), never
recomputed here, so Slack shows the numbers the CLI and the digest show. These functions
block (SQL), so the listener runs them in a worker thread; churn is brought up to date
first, as the CLI commands do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.slack.churn_args import AtRisk, CustomerLookup, Frozen, Help, Reasons, Summary
from handlers.slack.context import SlackContext
from insights import metrics
from insights.at_risk import AtRiskCustomer, plans_on_record
from insights.call_list import call_list
from insights.customer_story import CustomerStory, Matches, customer_story, find_customers
from insights.reason_trends import ReasonReport, reason_report
from insights.revenue.movements import MrrMovements, mrr_movements
from insights.revenue.report import RevenueReport, revenue_report

SUMMARY_REASONS = 5
SUMMARY_LEAVERS = 3


@dataclass(frozen=True)
class SummaryResult:
    current: metrics.RetentionMetrics
    previous: metrics.RetentionMetrics
    reasons: ReasonReport
    as_of: datetime | None = None  # when asked: a period running past it is "so far"
    revenue: RevenueReport | None = None
    previous_revenue: MrrMovements | None = None
    currency: str | None = None


@dataclass(frozen=True)
class AtRiskResult:
    query: AtRisk
    as_of: datetime
    customers: list[AtRiskCustomer]
    plans: tuple[str, ...] | None = None  # plans on record, when a plan filter found nobody


@dataclass(frozen=True)
class CustomerResult:
    term: str
    matches: Matches
    story: CustomerStory | None  # set when exactly one customer matched


Result = SummaryResult | AtRiskResult | ReasonReport | CustomerResult | None


def run(ctx: SlackContext, frozen: Frozen) -> Result:
    """The result of a query as of its moment (blocking: call it in a worker thread)."""
    query, as_of = frozen.query, frozen.as_of
    if isinstance(query, Help):
        return None
    ctx.refresh_lifecycle(as_of)
    with ctx.factory() as session:
        if isinstance(query, Summary):
            return SummaryResult(
                metrics.compute(session, query.period),
                metrics.compute(session, query.period.previous()),
                reason_report(session, query.period, quotes=0),
                as_of,
                revenue_report(session, query.period, SUMMARY_LEAVERS),
                mrr_movements(session, query.period.previous()),
                ctx.currency,
            )
        if isinstance(query, Reasons):
            return reason_report(session, query.period)
        if isinstance(query, AtRisk):
            rows = call_list(session, as_of, ctx.weights, limit=query.limit, plan=query.plan)
            plans = tuple(plans_on_record(session)) if query.plan and not rows else None
            return AtRiskResult(query, as_of, rows, plans)
        if isinstance(query, CustomerLookup):
            matches = find_customers(session, query.term)
            story = None
            if len(matches.found) == 1:
                external_id = matches.found[0].external_id
                story = customer_story(session, external_id, as_of, ctx.weights)
            return CustomerResult(query.term, matches, story)
    raise TypeError(f"unknown query {query!r}")
