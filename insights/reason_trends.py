"""Churn reasons over a period: counts, share, the trend against the period before, quotes.

Counting is the digest's (`insights.digest.reasons.top_reasons`): a reason counts once per
customer who gave it in the period, tagged on free text or picked in an exit interview, so
`/churn reasons` and the Monday digest never disagree. Share is a reason's part of all
reason mentions in the period (shares add up to 100%). Quotes are the customers' own
words from answers tagged with the reason, most negative first, cut short.

Tag corrections made by staff in the period are counted as well: how often the rules were
wrong is what tells the team which rules to improve.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from insights.digest.reasons import READABLE, reason_label, short_quote, top_reasons
from insights.metrics import Period
from storage.models import Answer, AnswerTag, TagCorrection

ALL_REASONS = 1_000  # "no limit" for top_reasons
QUOTES_PER_REASON = 2
QUOTE_CHARS = 140


@dataclass(frozen=True)
class ReasonTrend:
    key: str
    label: str
    customers: int
    previous: int  # customers who gave it in the period before, of the same length
    share: float  # % of all reason mentions in the period
    quotes: tuple[str, ...]

    @property
    def change(self) -> int:
        return self.customers - self.previous


@dataclass(frozen=True)
class ReasonReport:
    period: Period
    reasons: list[ReasonTrend]
    vanished: list[ReasonTrend]  # given in the previous period, not in this one
    mentions: int
    corrections: int  # staff tag corrections made in the period


def reason_report(
    session: Session, period: Period, quotes: int = QUOTES_PER_REASON
) -> ReasonReport:
    now = top_reasons(session, period, limit=ALL_REASONS)
    before = {r.key: r.customers for r in top_reasons(session, period.previous(), ALL_REASONS)}
    mentions = sum(r.customers for r in now)
    found = _quotes(session, period, [r.key for r in now], quotes) if quotes else {}
    trends = [
        ReasonTrend(
            key=r.key,
            label=r.label,
            customers=r.customers,
            previous=before.get(r.key, 0),
            share=round(r.customers * 100 / mentions, 1) if mentions else 0.0,
            quotes=tuple(found.get(r.key, ())),
        )
        for r in now
    ]
    current = {r.key for r in now}
    vanished = [
        ReasonTrend(key, reason_label(key), 0, n, 0.0, ())
        for key, n in sorted(before.items(), key=lambda kv: (-kv[1], kv[0]))
        if key not in current
    ]
    corrections = session.scalar(
        select(func.count()).where(
            TagCorrection.created_at >= period.start, TagCorrection.created_at < period.end
        )
    )
    return ReasonReport(period, trends, vanished, mentions, int(corrections or 0))


def _quotes(
    session: Session, period: Period, reasons: list[str], per_reason: int
) -> dict[str, list[str]]:
    """Up to `per_reason` distinct quotes per reason, picked by a window function."""
    if not reasons:
        return {}
    length = func.length(Answer.text)
    readable = case((and_(length >= READABLE[0], length <= READABLE[1]), 0), else_=1)
    rank = func.row_number().over(
        partition_by=AnswerTag.reason,
        order_by=(
            readable,
            case((Answer.sentiment.is_(None), 1), else_=0),
            func.coalesce(Answer.sentiment, literal(0.0)),
            Answer.answered_at.desc(),
            Answer.id.desc(),
        ),
    )
    ranked = (
        select(AnswerTag.reason.label("reason"), Answer.text.label("text"), rank.label("rank"))
        .join(Answer, Answer.id == AnswerTag.answer_id)
        .where(
            AnswerTag.reason.in_(reasons),
            Answer.text.is_not(None),
            Answer.answered_at >= period.start,
            Answer.answered_at < period.end,
        )
        .subquery()
    )
    # A few spare rows per reason, in case two customers wrote the same words.
    rows = session.execute(
        select(ranked.c.reason, ranked.c.text)
        .where(ranked.c.rank <= per_reason + 3)
        .order_by(ranked.c.reason, ranked.c.rank)
    )
    found: dict[str, list[str]] = {}
    for reason, text in rows:
        quote = short_quote(text, QUOTE_CHARS)
        picked = found.setdefault(reason, [])
        if quote and quote not in picked and len(picked) < per_reason:
            picked.append(quote)
    return found
