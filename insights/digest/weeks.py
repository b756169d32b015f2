"""ISO weeks in the business's timezone: what "last week" means for the digest.

A digest covers one ISO week, Monday 00:00 to the next Monday 00:00 in `TIMEZONE`, so an
answer given on Sunday at 23:30 local time belongs to that week even when it is already
Monday in UTC. The bounds are computed from local midnights, so a week with a daylight-
saving change is 167 or 169 hours long, as the people reading the digest lived it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from insights.metrics import Period
from insights.timeparse import local_midnight

_WEEK = re.compile(r"(\d{4})-?[Ww](\d{1,2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class WeekFormatError(ValueError):
    """A week given by a person could not be read."""


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    def __post_init__(self) -> None:
        try:
            date.fromisocalendar(self.year, self.week, 1)
        except ValueError:
            raise WeekFormatError(f"{self.year} has no ISO week {self.week}") from None

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """`2026-W47` (also `2026W47`, `2026-w47`), or a date `2026-11-18` meaning its week."""
        value = text.strip()
        match = _WEEK.fullmatch(value)
        if match:
            return cls(int(match.group(1)), int(match.group(2)))
        if _DATE.fullmatch(value):
            try:
                return cls.containing(date.fromisoformat(value))
            except ValueError:
                pass
        raise WeekFormatError(
            f"{text!r} is not an ISO week like 2026-W47 (or a date in that week, 2026-11-18)"
        )

    @classmethod
    def containing(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @classmethod
    def of(cls, moment: datetime, tz: tzinfo) -> IsoWeek:
        """The week `moment` falls in, on the calendar of `tz`."""
        return cls.containing(moment.astimezone(tz).date())

    @classmethod
    def last_full(cls, now: datetime, tz: tzinfo) -> IsoWeek:
        """The most recent week that has ended by `now` (the one before the current week)."""
        return cls.of(now, tz).shift(-1)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def shift(self, weeks: int) -> IsoWeek:
        return IsoWeek.containing(self.monday + timedelta(weeks=weeks))

    def start(self, tz: tzinfo) -> datetime:
        return local_midnight(self.monday, tz)

    def end(self, tz: tzinfo) -> datetime:
        return local_midnight(self.monday + timedelta(days=7), tz)

    def period(self, tz: tzinfo) -> Period:
        return Period(self.start(tz), self.end(tz))

    def has_ended(self, now: datetime, tz: tzinfo) -> bool:
        return now >= self.end(tz)

    def span(self) -> str:
        """`16–22 Nov 2026`, `30 Nov – 6 Dec 2026`, `28 Dec 2026 – 3 Jan 2027`."""
        first, last = self.monday, self.sunday
        if first.year != last.year:
            return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
        if first.month != last.month:
            return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
        return f"{first.day}–{last.day} {last:%b %Y}"

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"
