"""ISO weeks in the business's timezone: what "last week" means for the digest.

A digest covers one ISO week, Monday 00:00 to the next Monday 00:00 in `TIMEZONE`, so an
answer given on Sunday at 23:30 local time belongs to that week even when it is already
Monday in UTC. The bounds are computed from local midnights, so a week with a daylight-
saving change is 167 or 169 hours long, as the people reading the digest lived it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from insights.digest.calendar import CalendarPeriod


class WeekFormatError(ValueError):
    """A week given by a person could not be read."""


@dataclass(frozen=True, order=True)
class IsoWeek(CalendarPeriod):
    year: int
    week: int

    PATTERN = re.compile(r"(\d{4})-?[Ww](\d{1,2})")
    ERROR = WeekFormatError
    EXAMPLE = "an ISO week like 2026-W47 (or a date in that week, 2026-11-18)"

    def __post_init__(self) -> None:
        try:
            date.fromisocalendar(self.year, self.week, 1)
        except ValueError:
            raise WeekFormatError(f"{self.year} has no ISO week {self.week}") from None

    @classmethod
    def containing(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def first_day(self) -> date:
        return self.monday

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def shift(self, weeks: int) -> IsoWeek:
        return IsoWeek.containing(self.monday + timedelta(weeks=weeks))

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
