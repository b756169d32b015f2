"""`/churn help`, also shown (with what was wrong) after a mistyped command."""

from __future__ import annotations

from handlers.slack import blocks

USAGE = """\
*`/churn`* answers questions about retention. Only you see the answer, until you press \
*Share in channel*.
• `/churn summary [period]`: NPS, CSAT, churn, retention, answers and top reasons, each \
against the period before (default: the last 30 days)
• `/churn at-risk [N] [plan:NAME]`: the N customers (default 10) most at risk, by revenue \
at risk, with why
• `/churn reasons [period]`: reasons customers gave (leavers and active alike), with \
counts, share, trend and quotes
• `/churn customer <external id | email | part of a name>`: one customer's story
• `/churn help`: this text
Periods: `7d`, `30d`, `90d` (today included) or `2026-10-01..2026-10-31` (both days \
included), in the business's timezone."""


def render(problem: str | None = None) -> blocks.SlackReply:
    body = []
    if problem:
        body.append(blocks.section(f":warning: {blocks.escape(problem)}"))
    body.append(blocks.section(USAGE))
    text = f"{problem}. Usage: /churn help" if problem else "How to use /churn"
    return blocks.SlackReply(text, body)
