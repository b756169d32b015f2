"""An alert message: who is unhappy, what they said, how risky they are, who has it.

Rendered from `insights.alerts.AlertContent` every time the alert changes (comment and
tags arrive, someone clicks a button, tags are corrected), so the message in the channel
is always the current state, updated in place with `chat.update`.
"""

from __future__ import annotations

from datetime import tzinfo

from handlers.slack import blocks
from handlers.slack.formatting import customer_title, money, reasons_text, stamp, user
from insights.alerts import AlertContent
from insights.follow_ups import ASSIGNED, CONTACTED, OPEN, RESOLVED
from insights.risk import percent

TAKE_ACTION = "alert_take"
CONTACTED_ACTION = "alert_contacted"
RESOLVED_ACTION = "alert_resolved"
WRONG_TAGS_ACTION = "alert_wrong_tags"
QUOTE_CHARS = 1500
HEADLINES = {
    "detractor": ":rotating_light: NPS detractor",
    "low_csat": ":rotating_light: Low CSAT",
    "exit": ":door: Exit interview",
    "churn_intent": ":warning: Says they may leave",
}


def _score(alert: AlertContent) -> str:
    if alert.survey == "nps" and alert.score is not None:
        return f"NPS *{alert.score}*/10"
    if alert.survey == "csat" and alert.score is not None:
        return f"CSAT *{alert.score}*/5"
    if alert.survey == "exit":
        picked = reasons_text([alert.chosen_reason]) if alert.chosen_reason else "not given yet"
        return f"Exit interview · main reason *{picked}*"
    return alert.survey


def _state(alert: AlertContent, tz: tzinfo) -> str:
    if alert.status == OPEN:
        return ":large_yellow_circle: *Open*: nobody has taken it yet."
    if alert.status == ASSIGNED:
        since = stamp(alert.assigned_at, tz)
        return f":bust_in_silhouette: {user(alert.assignee)} has it (since {since})."
    if alert.status == CONTACTED:
        return (
            f":telephone_receiver: {user(alert.assignee)} contacted the customer "
            f"({stamp(alert.contacted_at, tz)})."
        )
    if alert.status == RESOLVED:
        when = stamp(alert.resolved_at, tz)
        return f":white_check_mark: Resolved by {user(alert.assignee)} ({when})."
    return alert.status


def render(alert: AlertContent, tz: tzinfo, currency: str | None = None) -> blocks.SlackReply:
    """The whole message; `currency` (CURRENCY) is written after the MRR."""
    headline = HEADLINES.get(alert.trigger, ":rotating_light: Unhappy customer")
    who = customer_title(alert.customer_name, alert.customer_external_id)
    plan = f" · {blocks.escape(alert.plan)}" if alert.plan else ""
    lines = [f"*{headline}*: {who}{plan} · MRR *{money(alert.mrr, currency)}*", _score(alert)]
    if alert.save_opportunity:
        lines.append(":moneybag: *Save opportunity*: said yes to the save offer. Follow up today.")
    body = [blocks.section("\n".join(lines))]
    if alert.text:
        quote = blocks.cut(blocks.escape(alert.text.strip()), QUOTE_CHARS).replace("\n", "\n>")
        body.append(blocks.section(f">{quote}"))
    elif alert.survey != "exit":
        body.append(blocks.context("_No comment yet: the message updates if one arrives._"))
    facts = []
    if alert.text or alert.reasons:
        tag_line = f"Tags: *{reasons_text(list(alert.reasons))}*"
        if alert.corrected_by:
            tag_line += f" (corrected by {user(alert.corrected_by.removeprefix('slack:'))})"
        facts.append(tag_line)
    if alert.sentiment_label:
        value = f" ({alert.sentiment:+.2f})" if alert.sentiment is not None else ""
        facts.append(f"Sentiment: {alert.sentiment_label}{value}")
    if alert.risk_score is not None:
        why = "; ".join(blocks.escape(r) for r in alert.risk_reasons) or "no strong signal"
        days = f" in {alert.risk_horizon_days} days" if alert.risk_horizon_days else ""
        chance = (
            percent(alert.risk_probability)
            if alert.risk_probability is not None
            else f"{alert.risk_score}%"
        )
        facts.append(f"Churn risk *{chance}*{days}: {why}")
    elif alert.customer_status == "churned":
        facts.append("Risk: not scored, the customer has already churned")
    if facts:
        body.append(blocks.section("\n".join(facts)))
    body.append(blocks.context(_state(alert, tz)))
    value = str(alert.follow_up_id)
    buttons = []
    if alert.status != RESOLVED:
        # Shown while anyone has it too: a manager may take it over, and anyone else's
        # click is answered with who has it.
        style = "primary" if alert.status == OPEN else None
        buttons.append(blocks.button("I'll take it", TAKE_ACTION, value, style=style))
        if alert.status in (OPEN, ASSIGNED):
            buttons.append(blocks.button("Contacted", CONTACTED_ACTION, value))
        buttons.append(blocks.button("Resolved", RESOLVED_ACTION, value))
    if alert.tagged_answer_id is not None:
        buttons.append(blocks.button("Wrong tags", WRONG_TAGS_ACTION, value))
    tail = [blocks.actions(f"alert:{alert.follow_up_id}", buttons)] if buttons else []
    name = alert.customer_name or alert.customer_external_id
    text = (
        f"{headline.split(' ', 1)[1]}: {name} (MRR {money(alert.mrr, currency)}), {_score(alert)}"
    )
    return blocks.SlackReply(text.replace("*", ""), body).finish(tail)
