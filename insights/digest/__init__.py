"""The weekly retention digest, composed as plain data and rendered without any platform.

    from insights.digest import IsoWeek, compose, render_markdown, render_chart
    digest = compose(session, IsoWeek.parse("2026-W47"), ZoneInfo("Europe/Berlin"),
                     now=datetime.now(UTC), weights=default_weights(), industry="it")
    print(render_markdown(digest)); png = render_chart(digest)

`compose` reads the database (aggregate queries only); everything else is a pure function
of the `Digest`, and matplotlib is imported on the first chart only. Slack Block Kit and
Telegram HTML live in `handlers/`, built from the same `document()`, so this package
never imports a chat library.
"""

from insights.digest.compose import AT_RISK_LIMIT, TREND_WEEKS, compose
from insights.digest.document import Document, Item, Line, Section, Span, document
from insights.digest.industry import INDUSTRIES, annualised
from insights.digest.jsonout import as_json, render_json
from insights.digest.model import (
    Benchmark,
    Digest,
    Figure,
    FollowUps,
    ReasonCount,
    RiskEntry,
    WeekFigures,
)
from insights.digest.months import Month, MonthFormatError
from insights.digest.reasons import short_quote
from insights.digest.text import render_markdown, render_text
from insights.digest.weeks import IsoWeek, WeekFormatError


def render_chart(digest: Digest) -> bytes:
    """PNG bytes of the digest chart (`insights.digest.chart`).

    A function here rather than a re-export so matplotlib, the slowest import in the
    program, loads only when a chart is drawn, not for every `retention-bot` command.
    """
    if digest.monthly:
        from insights.digest.monthly_chart import render_monthly_chart

        return render_monthly_chart(digest)
    from insights.digest.chart import render_chart as draw

    return draw(digest)


__all__ = [
    "AT_RISK_LIMIT",
    "INDUSTRIES",
    "TREND_WEEKS",
    "Benchmark",
    "Digest",
    "Document",
    "Figure",
    "FollowUps",
    "IsoWeek",
    "Item",
    "Line",
    "Month",
    "MonthFormatError",
    "ReasonCount",
    "RiskEntry",
    "Section",
    "Span",
    "WeekFigures",
    "WeekFormatError",
    "annualised",
    "as_json",
    "compose",
    "document",
    "render_chart",
    "render_json",
    "render_markdown",
    "render_text",
    "short_quote",
]
