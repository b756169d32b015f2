"""How figures, dates and people are written in Slack replies and alerts.

Numbers use the digest's rules (`insights.digest.numbers`): "▲ 2.1 pt" means the same in
the digest, in /churn and in an alert. Dates are local to TIMEZONE.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal

from handlers.slack.blocks import escape
from insights.digest import numbers
from insights.digest.reasons import reason_label

SURVEY_NAMES = {"nps": "NPS", "csat": "CSAT", "exit": "Exit interview"}


def reason_words(key: str) -> str:
    """A reason's English name from the tagging rules: `no_need` -> `No longer needed`."""
    return reason_label(key)


def reasons_text(keys: tuple[str, ...] | list[str]) -> str:
    return ", ".join(reason_words(k) for k in keys) if keys else "none"


def money(value: Decimal | None, currency: str | None = None) -> str:
    return "–" if value is None else numbers.money(value, currency)


def day(moment: datetime | None, tz: tzinfo) -> str:
    return "–" if moment is None else moment.astimezone(tz).strftime("%Y-%m-%d")


def stamp(moment: datetime | None, tz: tzinfo) -> str:
    return "–" if moment is None else moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def user(user_id: str | None) -> str:
    """A mention Slack renders as the person's name (`<@U123>`)."""
    if not user_id:
        return "nobody"
    return f"<@{user_id}>" if user_id[:1] in "UW" else escape(user_id)


def customer_title(name: str | None, external_id: str) -> str:
    return f"*{escape(name)}* (`{escape(external_id)}`)" if name else f"`{escape(external_id)}`"


def delta(current: float | int | None, previous: float | int | None, unit: str = "") -> str:
    """`(▲ 2.1 pt)` against the period before; empty when either side is undefined."""
    if current is None or previous is None:
        return ""
    text = numbers.change(current - previous, unit)
    return f" ({text})" if text else ""


def survey_name(key: str) -> str:
    return SURVEY_NAMES.get(key, key)
