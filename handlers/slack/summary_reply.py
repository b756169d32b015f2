"""`/churn summary`: the period's figures, each with its change against the period before."""

from __future__ import annotations

from datetime import tzinfo

from handlers.slack import blocks
from handlers.slack.churn_queries import SummaryResult
from handlers.slack.formatting import delta, reason_words
from insights import margins
from insights.digest import numbers
from insights.metrics import Period
from insights.metrics import RetentionMetrics as SummaryMetrics
from insights.periods import describe
from insights.revenue.movements import MrrMovements
from insights.revenue.report import RevenueReport

TOP_REASONS = 5


def _whole(nps: float | None) -> int | None:
    """NPS is written as a whole number (+18), so its change is too (▲ 3), as in the digest."""
    return None if nps is None else round(nps)


def revenue_text(report: RevenueReport, before: MrrMovements | None, cur: str | None) -> str:
    """MRR, NRR (with its change), GRR, revenue churn, MRR lost and who took it, movements."""
    m = report.movements
    nrr = m.net_revenue_retention
    net = m.net_change
    lines = [
        f"*Revenue*\nMRR *{numbers.money(m.end, cur)}* "
        f"({'+' if net >= 0 else numbers.MINUS}{numbers.money(abs(net), cur)}) · "
        f"NRR *{numbers.pct(nrr)}*"
        f"{delta(nrr, before.net_revenue_retention if before else None, 'pt')} · "
        f"GRR {numbers.pct(m.gross_revenue_retention)} · "
        f"revenue churn {numbers.pct(m.revenue_churn_rate)}",
    ]
    lost = f"MRR lost *{numbers.money(m.churned, cur)}*"
    leavers = [
        f"{blocks.escape(x.name or x.external_id)} ({blocks.escape(x.plan or '–')}) "
        f"{numbers.money(x.mrr, cur)}"
        for x in report.leavers
    ]
    lines.append(lost + (": " + ", ".join(leavers) if leavers else ""))
    moves = (("new", m.new, "+"), ("expansion", m.expansion, "+"),
             ("reactivation", m.reactivation, "+"), ("contraction", m.contraction, numbers.MINUS),
             ("churned", m.churned, numbers.MINUS))  # fmt: skip
    lines.append(
        " · ".join(f"{name} {sign if v else ''}{numbers.money(v, cur)}" for name, v, sign in moves)
    )
    return "\n".join(lines)


def _score_change(
    now: float | None,
    before: float | None,
    margin: float | None,
    previous: float | None,
    unit: str = "",
) -> str:
    """`(▲ 12)` for a change beyond the 95% margin of the difference, `(no clear change)`
    for one inside it: a move of 3 NPS points on 60 answers is noise, not news."""
    if now is None or before is None:
        return ""
    if margins.is_clear_change(now - before, margin, previous):
        return delta(now, before, unit)
    return " (no clear change)"


def _nps_field(now: SummaryMetrics, before: SummaryMetrics) -> str:
    m_now = margins.nps_margin(now.promoters, now.detractors, now.nps_responses)
    m_before = margins.nps_margin(before.promoters, before.detractors, before.nps_responses)
    margin = f" ± {m_now:.0f}" if m_now is not None else ""
    change = _score_change(_whole(now.nps), _whole(before.nps), m_now, m_before)
    return (
        f"*NPS*\n{numbers.nps(now.nps)}{margin}{change}\n"
        f"n = {now.nps_responses:,}: {now.promoters:,} promoters · {now.passives:,} passives · "
        f"{now.detractors:,} detractors"
    )


def _csat_field(now: SummaryMetrics, before: SummaryMetrics) -> str:
    m_now = margins.csat_margin(now.csat, now.csat_responses)
    m_before = margins.csat_margin(before.csat, before.csat_responses)
    margin = f" ± {m_now:.0f} pt" if m_now is not None else ""
    change = _score_change(now.csat, before.csat, m_now, m_before, "pt")
    return (
        f"*CSAT*\n{numbers.pct(now.csat, 0)}{margin}{change}\n"
        f"n = {now.csat_responses:,}: {now.csat_satisfied:,} satisfied"
    )


def render(result: SummaryResult, tz: tzinfo) -> blocks.SlackReply:
    now, before = result.current, result.previous
    period = Period(now.period_from, now.period_to)
    previous = Period(before.period_from, before.period_to)
    days = round(period.days)
    answers_now = now.nps_responses + now.csat_responses
    answers_before = before.nps_responses + before.csat_responses
    fields = [
        _nps_field(now, before),
        _csat_field(now, before),
        f"*Churn rate*\n{numbers.pct(now.churn_rate)}"
        f"{delta(now.churn_rate, before.churn_rate, 'pt')}\n"
        f"{now.lost_customers:,} lost of {now.customers_start:,} at start",
        f"*Voluntary / involuntary*\n{numbers.pct(now.voluntary_churn_rate)}"
        f"{delta(now.voluntary_churn_rate, before.voluntary_churn_rate, 'pt')} / "
        f"{numbers.pct(now.involuntary_churn_rate)}"
        f"{delta(now.involuntary_churn_rate, before.involuntary_churn_rate, 'pt')}\n"
        f"{now.lost_voluntary:,} cancelled · {now.lost_involuntary:,} failed payments",
        f"*Retention rate*\n{numbers.pct(now.retention_rate)}"
        f"{delta(now.retention_rate, before.retention_rate, 'pt')}\n"
        f"{now.customers_end:,} at end · {now.new_customers:,} new",
        f"*NPS + CSAT answers*\n{answers_now:,}{delta(answers_now, answers_before)}\n"
        f"NPS {now.nps_responses:,} · CSAT {now.csat_responses:,}\n"
        f"response rate {numbers.pct(now.response_rate)} "
        f"({now.surveys_answered:,} of {now.surveys_sent:,} sent answered)",
    ]
    reasons = result.reasons.reasons[:TOP_REASONS]
    if reasons:
        lines = [
            f"{n}. {reason_words(r.key)}: *{r.customers}* "
            f"customer{'s' if r.customers != 1 else ''}{delta(r.customers, r.previous)}"
            for n, r in enumerate(reasons, start=1)
        ]
        more = len(result.reasons.reasons) - len(reasons)
        if more > 0:
            lines.append(f"_…and {more} more: `/churn reasons`_")
        reason_text = "*Top reasons customers gave* (leavers and active)\n" + "\n".join(lines)
    else:
        reason_text = "*Top reasons customers gave*\nNo reasons were given in this period."
    title = f"Retention summary: {describe(period, tz)}"
    if result.as_of is not None and period.end > result.as_of:
        title += " (so far, today included)"
    body = [
        blocks.header(title),
        blocks.context(f"Changes are against {describe(previous, tz)}, the {days} days before."),
        blocks.fields_section(fields),
    ]
    if result.revenue is not None:
        revenue = revenue_text(result.revenue, result.previous_revenue, result.currency)
        body.append(blocks.section(revenue))
    body.append(blocks.section(reason_text))
    text = (
        f"{title}: NPS {numbers.nps(now.nps)}, CSAT {numbers.pct(now.csat, 0)}, "
        f"churn {numbers.pct(now.churn_rate)}, retention {numbers.pct(now.retention_rate)}"
    )
    return blocks.SlackReply(text, body)
