"""Retention by sign-up cohort: of the customers who signed up in a month (or ISO week), how
many are still customers k months later, and how much of their revenue is still there.

Definitions (README "Cohorts" has a worked example):

- A **cohort** is the customers whose `signed_up_at` falls in one calendar month (or ISO
  week) in the business's TIMEZONE. **Period k** is the k-th month (week) after the
  cohort's own, which is period 0; period k *ends* at the end of that month (week).
- **Customer retention at k** = cohort customers active at the end of period k / cohort
  size × 100. Active at a moment = not inside a churn episode just before it (churned
  before it and not reactivated by it), exactly as `insights.metrics` counts customers
  at the end of a period, so the cohort numbers add up to the digest's.
- **Revenue retention at k** = the cohort's MRR at the end of period k / its MRR at the
  end of period 0 × 100 (period 0 is the base, 100% by definition; a cohort whose base
  is 0 has undefined revenue retention). It can exceed 100% when customers upgrade.
  A customer's MRR at a moment t is the `amount` of their latest `subscription_started`
  or `subscription_changed` event at or before t with an amount; without one, their
  `customers.mrr`; 0 while inside a churn episode (the definition of
  `insights.revenue.mrr`). A period's end is read *just before* it, as `metrics` and the
  revenue movements read period bounds: an event or a churn exactly at midnight on the
  1st belongs to the new month.
- Only periods that have **ended** by `now` have a value: the current, partial month
  is left out rather than shown as a too-good "so far" figure, and a cohort whose month
  has not ended yet has no values at all.

Everything is computed by grouped queries over the cohorts' customers (one CASE gives the
cohort, one conditional sum per period end): two queries for customers, four for revenue,
whatever the number of customers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from insights.metrics import percent
from insights.revenue.mrr import CENT, amount_changes, cents, just_before
from storage.models import Churn, Customer

if TYPE_CHECKING:  # the digest package imports this module for its cohort table
    from insights.digest.calendar import CalendarPeriod

Metric = Literal["customers", "revenue"]
METRICS: tuple[Metric, ...] = ("customers", "revenue")


@dataclass(frozen=True)
class Cohort:
    """One row: a cohort's size and what was left of it at the end of each ended period."""

    label: str
    """`2026-03` or `2026-W10`."""
    start: datetime
    customers: int
    """Customers who signed up in the cohort's month (week)."""
    start_mrr: Decimal | None
    """The cohort's MRR at the end of period 0 (None while period 0 has not ended)."""
    retained: tuple[int | Decimal, ...]
    """Per ended period: customers still active (customers) or their MRR (revenue)."""
    retention: tuple[float | None, ...]
    """Per ended period: retained / base × 100, rounded to 2 decimals; None if undefined."""


@dataclass(frozen=True)
class CohortTable:
    by: Literal["month", "week"]
    metric: Metric
    timezone: str
    as_of: datetime
    cohorts: tuple[Cohort, ...]
    max_periods: int | None = None

    @property
    def periods(self) -> int:
        """Columns with at least one value (periods 0 .. periods-1)."""
        return max((len(c.retention) for c in self.cohorts), default=0)

    def trimmed(self) -> CohortTable:
        """Without the empty cohorts before the first sign-up (a young company's last 12
        months start before it had customers); empty months after it stay, as facts."""
        first = next((i for i, c in enumerate(self.cohorts) if c.customers), len(self.cohorts))
        return replace(self, cohorts=self.cohorts[first:])

    def as_json(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "metric": self.metric,
            "timezone": self.timezone,
            "as_of": self.as_of.isoformat(),
            "periods": self.periods,
            "base": "cohort size" if self.metric == "customers" else "MRR at the end of period 0",
            "cohorts": [
                {
                    "cohort": c.label,
                    "start": c.start.isoformat(),
                    "customers": c.customers,
                    "start_mrr": None if c.start_mrr is None else f"{c.start_mrr:.2f}",
                    "retained": [f"{v:.2f}" if isinstance(v, Decimal) else v for v in c.retained],
                    "retention": list(c.retention),
                }
                for c in self.cohorts
            ],
        }


def _index_of(column: Any, starts: Sequence[datetime], end: datetime) -> Any:
    """The cohort (0..n-1) `column` falls in; callers keep it inside [starts[0], end).

    The last bound is `end` rather than nothing, so one cohort is still a CASE with a WHEN
    (SQL has no CASE without one)."""
    return case(
        *((column < bound, index) for index, bound in enumerate([*starts[1:], end])),
        else_=len(starts) - 1,
    )


def _open_at(moment: datetime) -> Any:
    """A churn episode the customer is inside just before `moment` (as `metrics`)."""
    return and_(
        Churn.churned_at < moment,
        or_(Churn.reactivated_at.is_(None), Churn.reactivated_at >= moment),
    )


def _sum_if(condition: Any, value: Any = 1) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def _period_ends(
    cohorts: Sequence[CalendarPeriod], tz: tzinfo, now: datetime, span: int
) -> list[datetime]:
    """ends[j]: the end of the j-th period after the first cohort's, for those ended by now."""
    ends: list[datetime] = []
    while len(ends) < span:
        moment = cohorts[0].shift(len(ends)).end(tz)
        if moment > now:
            break
        ends.append(moment)
    return ends


@dataclass(frozen=True)
class _Outflows:
    """What each cohort lost by the end of each period: customers, their MRR, and the MRR
    its remaining customers moved up or down (revenue only)."""

    periods: int
    gone: dict[int, list[int]]
    gone_mrr: dict[int, list[Decimal]]
    delta: dict[int, list[Decimal]]

    def customers(
        self, i: int, size: int, measured: range
    ) -> tuple[list[int | Decimal], tuple[float | None, ...]]:
        lost_count = self.gone.get(i, [0] * self.periods)
        retained: list[int | Decimal] = [size - lost_count[j] for j in measured]
        return retained, tuple(percent(int(v), size) for v in retained)

    def revenue(
        self, i: int, total_mrr: Decimal, measured: range
    ) -> tuple[list[int | Decimal], tuple[float | None, ...], Decimal | None]:
        """Against the MRR at the end of the sign-up period (the first one measured)."""
        zero = [Decimal("0")] * self.periods
        lost, moved = self.gone_mrr.get(i, zero), self.delta.get(i, zero)
        values = [(total_mrr - lost[j] + moved[j]).quantize(CENT) for j in measured]
        start_mrr = values[0] if values else None
        retained: list[int | Decimal] = list(values)
        return retained, tuple(_ratio(v, start_mrr) for v in values), start_mrr


def compute(
    session: Session,
    cohorts: Sequence[CalendarPeriod],
    tz: tzinfo,
    now: datetime,
    metric: Metric = "customers",
    *,
    by: Literal["month", "week"] = "month",
    max_periods: int | None = None,
) -> CohortTable:
    """The retention table of consecutive `cohorts` (oldest first) as of `now`.

    `max_periods` limits the periods computed (0 .. max_periods-1); None computes every
    period that has ended.
    """
    if not cohorts:
        raise ValueError("no cohorts")
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    starts = [c.start(tz) for c in cohorts]
    window_end = cohorts[-1].end(tz)
    span = len(cohorts) + (max_periods - 1 if max_periods else 10**6)
    ends = _period_ends(cohorts, tz, now, span)
    in_window = and_(Customer.signed_up_at >= starts[0], Customer.signed_up_at < window_end)
    cohort = _index_of(Customer.signed_up_at, starts, window_end)
    sizes = {
        int(i): (int(n), cents(mrr))
        for i, n, mrr in session.execute(
            select(cohort, func.count(), func.sum(Customer.mrr)).where(in_window).group_by(cohort)
        )
    }
    gone, gone_mrr = _churned(session, cohort, in_window, ends)
    delta: dict[int, list[Decimal]] = {}
    if metric == "revenue" and ends:
        delta = _event_mrr_delta(session, cohort, in_window, ends)
    outflows = _Outflows(len(ends), gone, gone_mrr, delta)
    rows = []
    for i, period in enumerate(cohorts):
        size, total_mrr = sizes.get(i, (0, Decimal("0.00")))
        measured = range(i, len(ends))
        if max_periods is not None:
            measured = range(i, min(len(ends), i + max_periods))
        start_mrr = None
        if metric == "customers":
            retained, retention = outflows.customers(i, size, measured)
        else:
            retained, retention, start_mrr = outflows.revenue(i, total_mrr, measured)
        rows.append(
            Cohort(
                label=str(period),
                start=starts[i],
                customers=size,
                start_mrr=start_mrr,
                retained=tuple(retained),
                retention=retention,
            )
        )
    tz_name = getattr(tz, "key", str(tz))
    return CohortTable(by, metric, tz_name, now, tuple(rows), max_periods)


def _ratio(value: Decimal, base: Decimal | None) -> float | None:
    if not base:
        return None
    return float(round(value * 100 / base, 2))


def _churned(
    session: Session, cohort: Any, in_window: Any, ends: Sequence[datetime]
) -> tuple[dict[int, list[int]], dict[int, list[Decimal]]]:
    """Per cohort and period end: customers inside a churn episode, and their MRR column.

    Episodes of one customer never overlap, so counting episodes open at a moment counts
    customers.
    """
    if not ends:
        return {}, {}
    overlapping = and_(
        Churn.churned_at < ends[-1],
        or_(Churn.reactivated_at.is_(None), Churn.reactivated_at >= ends[0]),
    )
    columns = [_sum_if(_open_at(end)) for end in ends]
    columns += [_sum_if(_open_at(end), Customer.mrr) for end in ends]
    rows = session.execute(
        select(cohort, *columns)
        .select_from(Churn)
        .join(Customer, Customer.id == Churn.customer_id)
        .where(in_window, overlapping)
        .group_by(cohort)
    )
    n = len(ends)
    counts: dict[int, list[int]] = {}
    money: dict[int, list[Decimal]] = {}
    for index, *values in rows:
        counts[int(index)] = [int(v) for v in values[:n]]
        money[int(index)] = [cents(v) for v in values[n:]]
    return counts, money


def _event_mrr_delta(
    session: Session, cohort: Any, in_window: Any, ends: Sequence[datetime]
) -> dict[int, list[Decimal]]:
    """Per cohort and period end: Σ (event amount − customers.mrr) over the active customers
    whose MRR then comes from a subscription event rather than `customers.mrr`, read just
    before each end (`insights.revenue.mrr.amount_changes`, the sum `total_mrr` uses)."""
    moments = [just_before(end) for end in ends]
    rows = session.execute(amount_changes(moments, by=cohort, where=(in_window,)))
    return {int(index): [cents(v) for v in values] for index, *values in rows}
