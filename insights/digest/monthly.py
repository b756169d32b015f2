"""The monthly edition of the digest (DIGEST_CADENCE=monthly): last calendar month, with cohorts.

It is the weekly digest composed over a `Month` instead of an `IsoWeek` (both have the
same interface, so series, reasons, the at-risk list and the delivery ledger are
unchanged; the ledger key is `2026-11`), plus:

- the cohort table of the 12 sign-up months up to the digest's month, as of the end of
  that month: the numbers `retention-bot cohorts --by month --to 2026-11` prints on the
  1st (`insights.cohorts`);
- the industry benchmark annualised from monthly rates (12 per year, not 52);
- the wording of `document()` said in months (`monthly_document`), with a cohort section.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from insights import cohorts
from insights.digest.compose import TREND_WEEKS, compose
from insights.digest.document import Document, Item, Line, Section, Span, _so_far
from insights.digest.industry import INDUSTRIES
from insights.digest.model import Benchmark, Digest
from insights.digest.months import Month
from insights.risk import Weights

COHORTS = 12
COHORT_PERIODS = 12
MONTHS_PER_YEAR = 12


def compose_month(
    session: Session,
    month: Month,
    tz: ZoneInfo,
    *,
    now: datetime,
    weights: Weights | None,
    industry: str | None = None,
    trend_months: int = TREND_WEEKS,
    **options: Any,
) -> Digest:
    """The digest of `month` in `tz` (see `compose`, which gets `options` as they are),
    with its cohort table (from the first month with sign-ups, at most 12 months back)."""
    digest = compose(
        session, month, tz, now=now, weights=weights, industry=None,  # type: ignore[arg-type]
        trend_weeks=trend_months, **options,
    )  # fmt: skip
    as_of = min(now, month.end(tz))
    table = cohorts.compute(
        session,
        [month.shift(offset) for offset in range(1 - COHORTS, 1)],
        tz,
        as_of,
        "customers",
        by="month",
        max_periods=COHORT_PERIODS,
    )
    # A month under way would annualise a few days' churn as a whole month's: left out.
    full = digest.weeks[:-1] if digest.so_far else digest.weeks
    rates = (figures.value("retention_rate") for figures in full)
    return replace(digest, cohorts=table.trimmed(), benchmark=monthly_benchmark(industry, rates))


def annualised_monthly(rates: Iterable[float | None]) -> tuple[float | None, int]:
    """Annual retention (%) implied by the monthly rates that are defined, and how many."""
    known = [rate for rate in rates if rate is not None]
    if not known or any(rate <= 0 for rate in known):
        return None, len(known)
    log_sum = sum(math.log(rate / 100) for rate in known)
    return round(100 * math.exp(log_sum * MONTHS_PER_YEAR / len(known)), 1), len(known)


def monthly_benchmark(industry: str | None, rates: Iterable[float | None]) -> Benchmark | None:
    if industry is None:
        return None
    if industry not in INDUSTRIES:
        raise ValueError(f"unknown industry {industry!r}; known: {', '.join(INDUSTRIES)}")
    label, annual = INDUSTRIES[industry]
    rate, used = annualised_monthly(rates)
    return Benchmark(
        industry=industry, label=label, annual_rate=annual, annualised_rate=rate, weeks_used=used
    )


# -- wording -------------------------------------------------------------------------------

# Sections whose own sentences speak of "the week"; the at-risk list is left alone (its
# reasons, e.g. "no activity for 3 weeks", are facts about a customer, not the edition).
_REWORDED = ("This week", "Why customers", "What active customers", "Team follow-up", "Trend")
_WEEK = re.compile(r"\b([Ww])eek(s?)\b")


def _months(text: str) -> str:
    """`this week's` -> `this month's`, `Weeks` -> `Months`: the edition's own words."""
    return _WEEK.sub(lambda m: f"{'M' if m.group(1) == 'W' else 'm'}onth{m.group(2)}", text)


def _said_in_months(line: Line) -> Line:
    """Our own words in months; italic spans (customers' quotes) are left as written."""
    return tuple(span if span.italic else replace(span, text=_months(span.text)) for span in line)


def _reword(section: Section) -> Section:
    if not section.title.startswith(_REWORDED):
        return section
    items = tuple(Item(_said_in_months(item.line), item.details) for item in section.items)
    note = None if section.note is None else _said_in_months(section.note)
    return replace(section, title=_months(section.title), items=items, note=note)


def _subtitle(digest: Digest) -> Line:
    month, months = digest.week, len(digest.weeks)
    if not digest.so_far:
        text = (
            f"Month {month} (1st to last day, {digest.timezone}). Changes are against "
            f"the month before; trends cover {months} months, oldest first."
        )
    else:
        text = (
            f"Month {month} (1st to last day, {digest.timezone}), not over: its figures "
            "are so far; changes against a full month are not shown. Trends cover "
            f"{months} months, oldest first; the last is so far."
        )
    return (Span(text, italic=True),)


def monthly_document(digest: Digest, weekly: Document) -> Document:
    """`weekly` (the document of a digest composed over a month) said in months; a month
    under way is titled "so far" and shown without changes (`Digest.without_comparison`)."""
    month = digest.week
    parts = list(weekly.sections)
    sections = [_reword(section) for section in parts]
    for index, section in enumerate(sections):
        if section.title.startswith("Trend"):
            first, last = digest.weeks[0].week, digest.weeks[-1].week
            title = f"Trend, {_short(first)} to {_short(last)}"
            title += f" ({_short(last)} so far)" if digest.so_far else ""
            sections[index] = replace(section, title=title)
    if digest.cohorts is not None and digest.cohorts.cohorts:
        trend_at = next(
            (i + 1 for i, s in enumerate(sections) if s.title.startswith("Trend")), len(sections)
        )
        sections.insert(trend_at, cohort_section(digest.cohorts))
    so_far = f" · {_so_far(digest)}" if digest.so_far else ""
    return Document(
        title=f"Retention digest · {month.span()}{so_far}",
        subtitle=_subtitle(digest),
        sections=tuple(sections),
    )


def _short(period: object) -> str:
    return period.short() if isinstance(period, Month) else str(period)


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def cohort_section(table: cohorts.CohortTable) -> Section:
    """One line per sign-up month: its size, then % still customers at the end of month k."""
    items = []
    for cohort in table.cohorts:
        if not cohort.retention:
            continue
        cells = " · ".join(_cell(value) for value in cohort.retention)
        items.append(
            Item(
                (
                    Span(cohort.label, bold=True),
                    Span(f" ({cohort.customers:,} signed up): {cells}"),
                )
            )
        )
    last = table.periods - 1
    return Section(
        f"Cohorts: % still customers, months 0 to {last} after sign-up",
        tuple(items),
        note=(
            Span(
                "Month 0 is the sign-up month; each figure is the share of that month's "
                "sign-ups still customers at the end of month k. The same numbers as "
            ),
            Span("retention-bot cohorts --chart", italic=True),
            Span("."),
        ),
    )


def chart_caption(digest: Digest) -> str:
    """What the monthly chart shows, for the message that carries it."""
    so_far = " (so far)" if digest.so_far else ""
    money = ", its MRR movements" if digest.revenue is not None else ""
    return (
        f"{digest.week.span()}{so_far} in a chart: NPS and churn over {len(digest.weeks)} "
        f"months, this month's churn reasons{money}, and retention by sign-up month."
    )


def headline(digest: Digest) -> str:
    """`Retention digest, November 2026`: the monthly edition's notification line start."""
    return f"Retention digest, {digest.week.span()}{' so far' if digest.so_far else ''}"
