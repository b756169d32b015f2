"""Reasons customers gave in a period, each with one short quote; and how quotes are cut.

A reason counts once per customer who gave it in the period, whether it was tagged on their
free text (`answer_tags`) or picked as the main reason in an exit interview; so "price" from
a customer who chose it and also wrote "too expensive" counts one, not two. The quote is
the customer's own words from an answer tagged with that reason: of readable length, in
English if there is one, about that reason alone if possible, the most negative by stored
sentiment, newest on ties.

`top_reasons` counts everyone who answered (`/churn reasons`); the digest's "What active
customers complain about" is `feedback_reasons`, the same counting restricted to customers
still active at the end of the period, so a complaint is never read as a reason to leave.
Why the week's leavers left is `insights.digest.leaving`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select, true, union
from sqlalchemy.orm import Session, aliased

from insights.digest.model import ReasonCount
from insights.metrics import Period
from storage.models import SURVEY_KINDS, Answer, AnswerTag, Churn

QUOTE_CHARS = 120
DIGEST_LANGUAGE = "en"
READABLE = (15, 200)  # quotes of this many characters are preferred
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?。！？](?=\s|$)")


def still_active(period: Period) -> Any:
    """A condition on `Answer`: its customer was not lost in `period` and is active at its end.

    Excluded are customers with a churn episode that started in the period (the digest's
    "customers lost", even if they came back before it ended) or that is still open at
    its end (they left earlier and have not come back).
    """
    gone = exists().where(
        Churn.customer_id == Answer.customer_id,
        Churn.churned_at < period.end,
        or_(
            Churn.churned_at >= period.start,
            Churn.reactivated_at.is_(None),
            Churn.reactivated_at >= period.end,
        ),
    )
    return ~gone


def feedback_reasons(session: Session, period: Period, limit: int = 5) -> list[ReasonCount]:
    """Reasons in the period's answers of customers still active at its end (see module)."""
    return top_reasons(session, period, limit, who=still_active(period))


def top_reasons(
    session: Session, period: Period, limit: int = 5, *, who: Any = None
) -> list[ReasonCount]:
    """The most frequent reasons of the period; `who` restricts the answers counted."""
    # The survey condition changes no result (every answer has one of them); it lets the
    # (survey, answered_at, ...) index find the week instead of reading every answer.
    in_week = and_(
        Answer.survey.in_(SURVEY_KINDS),
        Answer.answered_at >= period.start,
        Answer.answered_at < period.end,
        true() if who is None else who,
    )
    tagged = (
        select(AnswerTag.reason.label("reason"), Answer.customer_id.label("customer_id"))
        .join(Answer, Answer.id == AnswerTag.answer_id)
        .where(in_week)
    )
    chosen = select(Answer.choice.label("reason"), Answer.customer_id.label("customer_id")).where(
        Answer.survey == "exit",
        Answer.question == "reason",
        Answer.choice.is_not(None),
        Answer.choice != "other",
        in_week,
    )
    pairs = union(tagged, chosen).subquery()  # UNION, not UNION ALL: one per customer
    customers = func.count().label("customers")
    counts = session.execute(
        select(pairs.c.reason, customers)
        .group_by(pairs.c.reason)
        .order_by(customers.desc(), pairs.c.reason)
        .limit(limit)
    ).all()
    if not counts:
        return []
    quotes = _quotes(session, period, [reason for reason, _ in counts], who)
    return [
        ReasonCount(
            key=reason,
            label=reason_label(reason),
            customers=int(n),
            quote=quotes[reason][0] if reason in quotes else None,
            quote_language=quotes[reason][1] if reason in quotes else None,
        )
        for reason, n in counts
    ]


def _quotes(
    session: Session, period: Period, reasons: Sequence[str], who: Any = None
) -> dict[str, tuple[str, str | None]]:
    """One quote per reason, picked by a window function in the database."""
    length = func.length(Answer.text)
    readable = case((and_(length >= READABLE[0], length <= READABLE[1]), 0), else_=1)
    unknown_sentiment = case((Answer.sentiment.is_(None), 1), else_=0)
    # The digest is written in English: an English quote, when there is one, is one
    # every reader understands; otherwise the customer's own language is shown.
    foreign = case((Answer.language == DIGEST_LANGUAGE, 0), else_=1)
    # An answer about this reason alone illustrates it better than one listing three.
    other_tags = aliased(AnswerTag)
    reasons_given = select(func.count()).where(other_tags.answer_id == Answer.id).scalar_subquery()
    rank = func.row_number().over(
        partition_by=AnswerTag.reason,
        order_by=(
            readable,
            foreign,
            reasons_given,
            unknown_sentiment,
            func.coalesce(Answer.sentiment, literal(0.0)),
            Answer.answered_at.desc(),
            Answer.id.desc(),
        ),
    )
    ranked = (
        select(
            AnswerTag.reason.label("reason"),
            Answer.text.label("text"),
            Answer.language.label("language"),
            rank.label("rank"),
        )
        .join(Answer, Answer.id == AnswerTag.answer_id)
        .where(
            AnswerTag.reason.in_(list(reasons)),
            Answer.text.is_not(None),
            Answer.survey.in_(SURVEY_KINDS),
            Answer.answered_at >= period.start,
            Answer.answered_at < period.end,
            true() if who is None else who,
        )
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.reason, ranked.c.text, ranked.c.language).where(ranked.c.rank == 1)
    )
    found: dict[str, tuple[str, str | None]] = {}
    for reason, text, language in rows:
        quote = short_quote(text)
        if quote:
            found[reason] = (quote, language)
    return found


def short_quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """One line of at most `limit` characters, cut at a sentence or word end, with "…".

    Whitespace (newlines included) collapses to single spaces and wrapping quote marks go,
    since renderers add their own. Text without spaces (Chinese) is cut at the limit.
    """
    flat = _SPACES.sub(" ", text).strip().strip("\"'“”«»„")
    flat = flat.strip()
    if len(flat) <= limit:
        return flat
    head = flat[: limit - 1]
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if sentence_ends and sentence_ends[-1] >= limit // 2:
        return head[: sentence_ends[-1]]
    space = head.rfind(" ")
    if space >= limit * 0.6:
        head = head[:space]
    return head.rstrip(" ,;:-–—") + "…"


def reason_label(key: str) -> str:
    """Display name of a reason key from the tagging rules; a readable fallback otherwise."""
    return _labels().get(key) or key.replace("_", " ").capitalize()


@cache
def _labels() -> dict[str, str]:
    """English reason names from the shipped tagging rules (not the whole tagger: 10× faster)."""
    try:
        from insights.tagging import load_rules

        return {r.key: r.names.get("en", "") for r in load_rules().reasons}
    except (ImportError, OSError, ValueError):
        return {}
