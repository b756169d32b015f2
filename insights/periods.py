"""Periods as people type them in chat: `7d`, `30d`, `90d` or `2026-10-01..2026-10-31`.

Both forms name whole local days in the business's TIMEZONE, so a period is always a
`[midnight, midnight)` span and two people asking the same day get the same figures:

- `Nd` is the last N days *including today* (today so far counts: staff ask in the middle
  of the day about what is happening now). `7d` on Wednesday 12 Nov = 6 Nov .. 12 Nov.
- `A..B` runs from the start of day A to the end of day B: both ends are included, as a
  person reading "1 Oct .. 31 Oct" means.

`Period.previous()` (the period of the same length just before) gives the comparison.

"The last 30 days" means `last_days(30, ...)` everywhere: in chat (`30d`), as the default
of `retention-bot metrics` and in the demo's `last_30_days`. A period that has not ended
is cut off at now (`up_to_now`) and labelled "so far"; one that has not started is
refused ("2027-W10 has not happened yet").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from config.errors import UserError
from insights.metrics import Period
from insights.timeparse import local_midnight

MAX_DAYS = 3660  # ten years: anything longer is a typo
_RELATIVE = re.compile(r"(\d{1,5})d")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")
EXAMPLES = "7d, 30d, 90d or YYYY-MM-DD..YYYY-MM-DD"


class PeriodError(ValueError):
    """The text is not a period; the message says what is wrong in words for the user."""


def last_days(days: int, tz: tzinfo, now: datetime) -> Period:
    """The last `days` local days, today included."""
    if not 1 <= days <= MAX_DAYS:
        raise PeriodError(f"{days}d: the number of days must be between 1 and {MAX_DAYS}")
    today = now.astimezone(tz).date()
    return days_between(today - timedelta(days=days - 1), today, tz)


def days_between(first: date, last: date, tz: tzinfo) -> Period:
    """From the start of `first` to the end of `last` (both included), local time."""
    if last < first:
        raise PeriodError(f"{first}..{last}: the period ends before it starts")
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(f"{first}..{last}: periods are limited to {MAX_DAYS} days")
    return Period(local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz))


def parse_period(text: str, tz: tzinfo, now: datetime) -> Period:
    """`7d` / `30d` / `90d` (any Nd) or `YYYY-MM-DD..YYYY-MM-DD`; PeriodError otherwise."""
    value = text.strip().lower()
    relative = _RELATIVE.fullmatch(value)
    if relative:
        return last_days(int(relative.group(1)), tz, now)
    span = _RANGE.fullmatch(value)
    if span:
        try:
            first, last = date.fromisoformat(span.group(1)), date.fromisoformat(span.group(2))
        except ValueError:
            raise PeriodError(f"{text.strip()!r} holds a date that does not exist") from None
        return days_between(first, last, tz)
    raise PeriodError(f"{text.strip()!r} is not a period: use {EXAMPLES}")


def first_and_last_day(period: Period, tz: tzinfo) -> tuple[date, date]:
    """The local days a whole-day period covers (its end is exclusive)."""
    first = period.start.astimezone(tz).date()
    last = (period.end.astimezone(tz) - timedelta(microseconds=1)).date()
    return first, last


def period_text(period: Period, tz: tzinfo) -> str:
    """The canonical `A..B` form, which `parse_period` reads back to the same period."""
    first, last = first_and_last_day(period, tz)
    return f"{first.isoformat()}..{last.isoformat()}"


def describe(period: Period, tz: tzinfo) -> str:
    """Short human form: `6 Nov – 12 Nov 2026`, `28 Dec 2025 – 3 Jan 2026`, `5 Nov 2026`."""
    first, last = first_and_last_day(period, tz)
    if first == last:
        return f"{first.day} {first:%b %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


class PeriodNotStarted(PeriodError, UserError):
    """A period (or week) that starts after now: there are no figures to show for it."""

    exit_code = 2


@dataclass(frozen=True)
class Covered:
    """A period as far as it has happened: `period` is `asked` cut off at `now`.

    Figures for a period that has not ended are figures *so far*; callers label them with
    `so_far_note` instead of presenting them as the whole period (a week that has only
    had two days has lost almost nobody, which would read as a 100% retention).
    """

    asked: Period
    period: Period

    @property
    def so_far(self) -> bool:
        return self.period.end < self.asked.end


def up_to_now(asked: Period, now: datetime, label: str) -> Covered:
    """`asked` cut off at `now`; PeriodNotStarted ("<label> has not happened yet") if it
    starts at or after `now`."""
    if asked.start >= now:
        raise PeriodNotStarted(f"{label} has not happened yet")
    return Covered(asked, Period(asked.start, min(asked.end, now)))


def so_far_note(covered: Covered, tz: tzinfo) -> str:
    """`so far: 30 Nov – 2 Dec 2026, 3 of 7 days, the last one under way`."""
    first, last = first_and_last_day(covered.period, tz)
    _, asked_last = first_and_last_day(covered.asked, tz)
    days = (last - first).days + 1
    total = (asked_last - first).days + 1
    end = covered.period.end
    partial = end != local_midnight(end.astimezone(tz).date(), tz)
    under_way = ", the last one under way" if partial else ""
    return f"so far: {describe(covered.period, tz)}, {days} of {total} days{under_way}"
