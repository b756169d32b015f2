"""Composing the weekly digest from the database: the one entry point renderers start from.

Everything is read with aggregate queries (see `series`, `reasons`, `staff_work`) and the
at-risk list (`insights.at_risk`), then frozen into a `Digest`. Composing is read-only
and deterministic for a given database, week and `now`, which is what lets two bot
processes, a dry run and a retry a day later all describe the same week the same way.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from insights.at_risk import AtRiskCustomer
from insights.call_list import call_list
from insights.digest.industry import benchmark
from insights.digest.leaving import LOOKBACK_DAYS, leaving_reasons
from insights.digest.model import Digest, RiskEntry, WeekFigures
from insights.digest.reasons import feedback_reasons
from insights.digest.revenue import week_revenue
from insights.digest.series import week_series
from insights.digest.staff_work import follow_ups, saves_accepted
from insights.digest.tagging_note import tagging_model
from insights.digest.weeks import IsoWeek
from insights.metrics import first_data_at
from insights.periods import up_to_now
from insights.risk import Weights
from insights.risk_store import current_model

TREND_WEEKS = 8
AT_RISK_LIMIT = 10
TOP_REASONS = 5
MIN_SAMPLE = 30


def _risk_entry(row: AtRiskCustomer) -> RiskEntry:
    """A call-list row as the digest keeps it."""
    return RiskEntry(
        external_id=row.external_id,
        name=row.name,
        plan=row.plan,
        probability=row.probability,
        horizon_days=row.horizon_days,
        mrr=row.mrr,
        revenue_at_risk=row.revenue_at_risk,
        reasons=tuple(row.reasons),
        new_to_list=bool(row.new_to_list),
        owner=row.owner,
        last_contacted_at=row.last_contacted_at,
    )


def _at_risk(
    session: Session, as_of: datetime | None, weights: Weights | None, limit: int
) -> tuple[tuple[RiskEntry, ...], int | None, str | None]:
    """(the top of the call list as of `as_of`, the risk model's horizon in days, its
    one-line summary); nothing without `as_of` (no list in this digest)."""
    if as_of is None or weights is None:
        return (), None, None
    model = current_model(session, weights)
    rows = call_list(session, as_of, weights, limit=limit, model=model)
    return tuple(_risk_entry(row) for row in rows), model.horizon_days, model.summary()


def _trend(
    session: Session,
    week: IsoWeek,
    tz: ZoneInfo,
    trend_weeks: int,
    until: datetime,
    first: datetime | None,
) -> list[WeekFigures]:
    """The trend window's figures up to `until`; weeks ending before the records begin
    are marked so, and read as "no data" rather than as a 100% retention."""
    weeks = [week.shift(offset) for offset in range(1 - trend_weeks, 1)]
    return [
        replace(f, before_records=first is None or f.week.end(tz) <= first)
        for f in week_series(session, weeks, tz, until=until)
    ]


def compose(
    session: Session,
    week: IsoWeek,
    tz: ZoneInfo,
    *,
    now: datetime,
    weights: Weights | None,
    industry: str | None = None,
    trend_weeks: int = TREND_WEEKS,
    at_risk_limit: int = AT_RISK_LIMIT,
    min_sample: int = MIN_SAMPLE,
    currency: str | None = None,
) -> Digest:
    """The digest of `week` in `tz`; `weights=None` leaves the at-risk list out.

    Scores from fewer than `min_sample` answers are marked as small samples. Leavers'
    last feedback is looked for within the risk model's horizon (30 days without one).

    A week that has not started is refused (`insights.periods.PeriodNotStarted`); one
    still under way is composed with its figures so far (`Digest.covered_until`). A week
    that ends before the records begin (`insights.metrics.first_data_at`) has no call list.

    The at-risk list is scored as of the end of the week (or `now`, if earlier): the
    customers active today, with their signals as they stood when the week closed.
    `currency` is written after the revenue figures (CURRENCY). The company tagger
    models are the ones in use at the end of the week (or `now`, if earlier).
    """
    period = week.period(tz)
    covered = up_to_now(period, now, str(week))
    first = first_data_at(session)
    figures = _trend(session, week, tz, trend_weeks, covered.period.end, first)
    before_first = first is None or period.end <= first
    listed = weights is not None and at_risk_limit > 0 and not before_first
    as_of = covered.period.end if listed else None
    entries, horizon, note = _at_risk(session, as_of, weights, at_risk_limit)
    leaving = leaving_reasons(session, period, TOP_REASONS, horizon or LOOKBACK_DAYS)
    return Digest(
        week=week,
        timezone=tz.key,
        period_start=period.start,
        period_end=period.end,
        generated_at=now,
        weeks=tuple(figures),
        leaving_reasons=leaving.reasons,
        leavers_without_reason=leaving.without_reason,
        feedback_reasons=tuple(feedback_reasons(session, period, TOP_REASONS)),
        min_sample=min_sample,
        at_risk=entries,
        at_risk_as_of=as_of,
        risk_horizon_days=horizon,
        risk_model_note=note,
        follow_ups=follow_ups(session, period),
        saves_accepted=saves_accepted(session, period),
        benchmark=benchmark(industry, (f.value("retention_rate") for f in figures)),
        covered_until=covered.period.end if covered.so_far else None,
        first_data_at=first,
        currency=currency,
        revenue=week_revenue(session, period, week.shift(-1).period(tz), currency),
        tagging_model=tagging_model(session, covered.period.end),
    )
