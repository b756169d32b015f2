"""Calendar months in the business's timezone: what "last month" means for the monthly digest.

`Month` has the interface of `IsoWeek` (parse, containing, of, last_full, shift, start,
end, period, has_ended, span, str), so the digest's composition, series and delivery
ledger work on either without knowing which. A month runs from the 1st at 00:00 to the
next 1st at 00:00 in `TIMEZONE`; its ledger key is `2026-11` (a week's is `2026-W47`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from insights.digest.calendar import CalendarPeriod


class MonthFormatError(ValueError):
    """A month given by a person could not be read."""


@dataclass(frozen=True, order=True)
class Month(CalendarPeriod):
    year: int
    month: int

    PATTERN = re.compile(r"(\d{4})-(\d{1,2})")
    ERROR = MonthFormatError
    EXAMPLE = "a month like 2026-11 (or a date in that month, 2026-11-18)"

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise MonthFormatError(f"{self.year}-{self.month:02d}: there is no month {self.month}")
        if not 1 <= self.year <= 9998:
            raise MonthFormatError(f"{self.year}: the year is out of range")

    @classmethod
    def containing(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def week(self) -> int:
        """The month's number in its year: what code written for `IsoWeek.week` (the
        period's number) reads. The monthly edition's wording never shows it as a week."""
        return self.month

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def span(self) -> str:
        """`November 2026`."""
        return f"{self.first_day:%B %Y}"

    def short(self) -> str:
        """`Nov` (`Jan 27` in January, so a trend crossing a year says which)."""
        return f"{self.first_day:%b %y}" if self.month == 1 else f"{self.first_day:%b}"

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"
