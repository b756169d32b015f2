"""`/churn reasons`: the reasons customers gave, with counts, share, trend and their own words.

Every customer who answered counts, leavers and active customers alike, so this is "what
customers bring up", not "why they left"; the reply says so. The weekly digest is where
the two are told apart (`insights.digest.leaving` and `feedback_reasons`).
"""

from __future__ import annotations

from datetime import tzinfo

from handlers.slack import blocks
from handlers.slack.formatting import delta, reason_words
from insights.periods import describe
from insights.reason_trends import ReasonReport, ReasonTrend

RESERVED_BLOCKS = 4


def _item(trend: ReasonTrend) -> str:
    people = "customer" if trend.customers == 1 else "customers"
    trend_text = delta(trend.customers, trend.previous) if trend.previous else " (new)"
    head = (
        f"*{reason_words(trend.key)}*: {trend.customers} {people} · {trend.share:.1f}%{trend_text}"
    )
    quotes = [f"> “{blocks.escape(q)}”" for q in trend.quotes]
    return "\n".join([head, *quotes])


def render(report: ReasonReport, tz: tzinfo) -> blocks.SlackReply:
    title = f"Reasons customers gave: {describe(report.period, tz)}"
    previous = describe(report.period.previous(), tz)
    body = [
        blocks.header(title),
        blocks.context(
            f"Customers who gave each reason (tagged feedback or the exit interview; leavers "
            f"and active customers alike), share of {report.mentions} mentions, change "
            f"against {previous}. Why leavers left is in the weekly digest."
        ),
    ]
    items = [_item(trend) for trend in report.reasons]
    if report.vanished:
        gone = ", ".join(f"{reason_words(t.key)} (was {t.previous})" for t in report.vanished)
        items.append(f"_Not heard this time:_ {gone}")
    if not report.reasons:
        items.insert(0, "No reasons were given in this period.")
    body += blocks.list_sections(
        items,
        more=lambda left: f"…and {left} more reasons.",
        max_blocks=blocks.MAX_BLOCKS - len(body) - RESERVED_BLOCKS,
    )
    corrections = report.corrections
    body.append(
        blocks.context(
            f"Staff corrected the tags of {corrections} answer{'s' if corrections != 1 else ''} "
            "in this period (“Wrong tags” on alerts); corrections are kept and used to "
            "improve the rules."
        )
    )
    top = ", ".join(f"{reason_words(t.key)} {t.customers}" for t in report.reasons[:3])
    return blocks.SlackReply(f"{title}: {top or 'none'}", body)
