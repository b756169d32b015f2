"""Turning `--from/--to` options into a period in the business's timezone."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

import click

from insights.metrics import Period
from insights.timeparse import TimeFormatError, local_midnight, parse_time


def period_from_options(start: str | None, end: str | None, tz: tzinfo, days: int = 30) -> Period:
    """[start, end): dates are local midnights; the default is the last `days` full days."""
    try:
        end_at = parse_time(end, tz) if end else local_midnight(datetime.now(tz).date(), tz)
        start_at = parse_time(start, tz) if start else _days_before(end_at, days, tz)
    except TimeFormatError as error:
        raise click.BadParameter(str(error)) from None
    if end_at <= start_at:
        raise click.BadParameter("--to must be after --from (the period is [from, to))")
    return Period(start_at, end_at)


def _days_before(moment: datetime, days: int, tz: tzinfo) -> datetime:
    local = moment.astimezone(tz).date() - timedelta(days=days)
    return local_midnight(local, tz)
