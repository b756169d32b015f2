"""`/churn customer`: one customer's story, or a short pick list when several match."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from handlers.slack import blocks
from handlers.slack.churn_queries import CustomerResult
from handlers.slack.formatting import (
    customer_title,
    day,
    money,
    reasons_text,
    survey_name,
    user,
)
from insights.customer_story import CustomerStory, FeedbackLine
from insights.risk import chance

PICK_ACTION = "churn_customer_pick"
# How many of each kind (the 90-day counts), and one of them (the recent events list).
EVENT_COUNTS = {
    "subscription_started": "subscriptions started",
    "subscription_changed": "MRR changes",
    "subscription_cancelled": "cancellations",
    "payment_failed": "failed payments",
    "payment_succeeded": "payments",
    "activity": "activity",
    "purchase": "purchases",
    "support_ticket_closed": "support tickets",
}
EVENT_NAMES = {
    "subscription_started": "subscription started",
    "subscription_changed": "MRR changed",
    "subscription_cancelled": "cancelled",
    "payment_failed": "payment failed",
    "payment_succeeded": "payment succeeded",
    "support_ticket_closed": "support ticket closed",
}


def render(
    result: CustomerResult,
    tz: tzinfo,
    pick_value: Callable[[str], str],
    currency: str | None = None,
) -> blocks.SlackReply:
    """`pick_value(external_id)` is the value of a pick-list button (a frozen query);
    `currency` (CURRENCY) is written after money amounts."""
    if result.story is not None:
        return render_story(result.story, tz, currency)
    term = blocks.escape(result.term)
    if not result.matches.found:
        text = f"No customer matches “{term}” (external id, email or part of a name)."
        return blocks.SlackReply(text, [blocks.section(text)])
    found = result.matches.found
    body = [blocks.section(f"*{result.matches.total} customers match “{term}”.* Pick one:")]
    for match in found:
        details = " · ".join(
            part
            for part in (
                blocks.escape(match.email or ""),
                blocks.escape(match.plan or ""),
                f"MRR {money(match.mrr, currency)}",
                match.status,
            )
            if part
        )
        body.append(
            blocks.section(
                f"{customer_title(match.name, match.external_id)}\n{details}",
                accessory=blocks.button("Show", PICK_ACTION, pick_value(match.external_id)),
            )
        )
    left = result.matches.total - len(found)
    if left > 0:
        body.append(blocks.context(f"…and {left} more: type more of the name, or the email or id."))
    ids = ", ".join(m.external_id for m in found)
    return blocks.SlackReply(f"{result.matches.total} customers match “{result.term}”: {ids}", body)


def render_story(
    story: CustomerStory, tz: tzinfo, currency: str | None = None
) -> blocks.SlackReply:
    c = story.customer
    if c.status == "churned":
        kind = f" ({story.churn_type})" if story.churn_type else ""
        status = f"churned {day(story.churned_at, tz)}{kind}"
    else:
        status = "active"
    fields = [
        f"*Status*\n{status}",
        f"*Plan · MRR*\n{blocks.escape(c.plan or '–')} · {money(c.mrr, currency)}",
        f"*Customer since*\n{day(story.signed_up_at, tz)}",
        f"*Last activity*\n{day(story.last_activity_at, tz)}",
    ]
    if c.email:
        fields.append(f"*Email*\n{blocks.escape(c.email)}")
    title = f"{c.name or c.external_id} ({c.external_id})" if c.name else c.external_id
    body = [blocks.header(title), blocks.fields_section(fields)]

    if story.risk is not None:
        why = "\n".join(f"• {blocks.escape(r)}" for r in story.risk.reasons) or "• no strong signal"
        body.append(
            blocks.section(
                f"*Churn risk {chance(story.risk.probability, story.risk.horizon_days)}* · "
                f"{money(story.risk.revenue_at_risk, currency)} MRR expected lost\n"
                f"{why}"
            )
        )
    else:
        body.append(blocks.section("*Risk*: not scored (not an active customer)."))

    body.append(blocks.section(_surveys(story, tz)))
    body.append(blocks.section(_feedback(story, tz)))
    body.append(blocks.section(_events(story, tz, currency)))
    body.append(blocks.section(_follow_ups(story, tz)))
    return blocks.SlackReply(f"Customer {title}: {status}", body)


def _more(shown: int, total: int) -> str:
    return f"\n_…and {total - shown} more_" if total > shown else ""


def _surveys(story: CustomerStory, tz: tzinfo) -> str:
    if not story.surveys:
        return "*Surveys*\nNone sent yet."
    lines = []
    for s in story.surveys:
        answer = ""
        if s.score is not None:
            answer = f" · score *{s.score}*"
        if s.chosen_reason:
            answer += f" · reason {reasons_text([s.chosen_reason])}"
        if s.save_opportunity:
            answer += " · :moneybag: save opportunity"
        lines.append(f"• {day(s.at, tz)} {survey_name(s.survey)} ({s.status}){answer}")
    return "*Surveys*\n" + "\n".join(lines) + _more(len(story.surveys), story.surveys_total)


def _feedback(story: CustomerStory, tz: tzinfo) -> str:
    if not story.feedback:
        return "*Feedback*\nNo written feedback."
    lines = []
    for f in story.feedback:
        mood = f" · {f.sentiment_label}" if f.sentiment_label else ""
        fixed = " (corrected by staff)" if f.corrected else ""
        quote = blocks.cut(blocks.escape(" ".join(f.text.split())), 400)
        lines.append(
            f"• {day(f.answered_at, tz)} {survey_name(f.survey)}: “{quote}”\n"
            f"      _tags: {_tags(f)}{fixed}{mood}_"
        )
    return "*Feedback*\n" + "\n".join(lines) + _more(len(story.feedback), story.feedback_total)


def _tags(f: FeedbackLine) -> str:
    """Reasons, each one only the learned model found marked "(learned)": staff should know
    which tags quote a phrase of the customer's and which are the model's reading."""
    if not f.reasons:
        return reasons_text([])
    return ", ".join(
        reasons_text([k]) + (" (learned)" if k in f.learned else "") for k in f.reasons
    )


def _events(story: CustomerStory, tz: tzinfo, currency: str | None) -> str:
    counts = ", ".join(
        f"{EVENT_COUNTS.get(kind, kind)} {n}" for kind, n in sorted(story.event_counts.items())
    )
    lines = [f"Last 90 days: {counts or 'no events'}"]
    lines += [
        f"• {day(e.occurred_at, tz)} {EVENT_NAMES.get(e.type, e.type)}"
        + (f" ({money(e.amount, currency)})" if e.amount is not None else "")
        for e in story.events
    ]
    for churn in story.churns:
        back = f", back {day(churn.reactivated_at, tz)}" if churn.reactivated_at else ""
        lines.append(
            f"• churned {day(churn.churned_at, tz)} ({churn.churn_type}, {churn.cause}){back}"
        )
    return "*Events*\n" + "\n".join(lines)


def _follow_ups(story: CustomerStory, tz: tzinfo) -> str:
    if not story.follow_ups:
        return "*Follow-ups*\nNone."
    lines = [
        f"• {day(f.created_at, tz)} {f.trigger or f.kind}: *{f.status}*"
        + (f", {user(f.assignee)}" if f.assignee else "")
        for f in story.follow_ups
    ]
    more = _more(len(story.follow_ups), story.follow_ups_total)
    return "*Follow-ups*\n" + "\n".join(lines) + more
