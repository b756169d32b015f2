"""Turning `--from/--to` options into a period in the business's timezone.

- neither: the last 30 days, today included so far (`insights.periods.last_days`, the one
  definition of "the last 30 days" that the chat's `30d` and the demo use too);
- `--from` alone: from then until now;
- `--to` alone: the 30 days before it;
- a period that runs past now is cut off at now, and its figures are labelled "so far";
- `--from` at or after now is refused in one line ("2027-01-01 has not happened yet").
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

import click

from insights.metrics import Period
from insights.periods import Covered, PeriodNotStarted, last_days, up_to_now
from insights.timeparse import TimeFormatError, local_midnight, parse_time

DEFAULT_DAYS = 30


def period_from_options(
    start: str | None, end: str | None, tz: tzinfo, now: datetime, days: int = DEFAULT_DAYS
) -> Covered:
    """[start, end) as far as it has happened by `now`; dates are local midnights."""
    try:
        start_at = parse_time(start, tz) if start else None
        end_at = parse_time(end, tz) if end else None
    except TimeFormatError as error:
        raise click.BadParameter(str(error)) from None
    if start_at is None and end_at is None:
        return up_to_now(last_days(days, tz, now), now, f"the last {days} days")
    if start_at is None:
        assert end_at is not None
        start_at = _days_before(end_at, days, tz)
    if start_at >= now:
        raise PeriodNotStarted(f"{start or start_at.date()} has not happened yet")
    if end_at is None:  # until now: today included, so far (as `30d`), and labelled so
        end_at = local_midnight(now.astimezone(tz).date() + timedelta(days=1), tz)
    if end_at <= start_at:
        raise click.BadParameter("--to must be after --from (the period is [from, to))")
    return up_to_now(Period(start_at, end_at), now, start or str(start_at.date()))


def _days_before(moment: datetime, days: int, tz: tzinfo) -> datetime:
    local = moment.astimezone(tz).date() - timedelta(days=days)
    return local_midnight(local, tz)
