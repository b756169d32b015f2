"""Calendar months in the business's timezone: what "last month" means for the monthly digest.

`Month` has the interface of `IsoWeek` (parse, containing, of, last_full, shift, start,
end, period, has_ended, span, str), so the digest's composition, series and delivery
ledger work on either without knowing which. A month runs from the 1st at 00:00 to the
next 1st at 00:00 in `TIMEZONE`; its ledger key is `2026-11` (a week's is `2026-W47`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from insights.metrics import Period
from insights.timeparse import local_midnight

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class MonthFormatError(ValueError):
    """A month given by a person could not be read."""


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise MonthFormatError(f"{self.year}-{self.month:02d}: there is no month {self.month}")
        if not 1 <= self.year <= 9998:
            raise MonthFormatError(f"{self.year}: the year is out of range")

    @classmethod
    def parse(cls, text: str) -> Month:
        """`2026-11`, or a date `2026-11-18` meaning its month."""
        value = text.strip()
        match = _MONTH.fullmatch(value)
        if match:
            return cls(int(match.group(1)), int(match.group(2)))
        if _DATE.fullmatch(value):
            try:
                return cls.containing(date.fromisoformat(value))
            except ValueError:
                pass
        raise MonthFormatError(
            f"{text!r} is not a month like 2026-11 (or a date in that month, 2026-11-18)"
        )

    @classmethod
    def containing(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def of(cls, moment: datetime, tz: tzinfo) -> Month:
        """The month `moment` falls in, on the calendar of `tz`."""
        return cls.containing(moment.astimezone(tz).date())

    @classmethod
    def last_full(cls, now: datetime, tz: tzinfo) -> Month:
        """The most recent month that has ended by `now` (the one before the current month)."""
        return cls.of(now, tz).shift(-1)

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

    def start(self, tz: tzinfo) -> datetime:
        return local_midnight(self.first_day, tz)

    def end(self, tz: tzinfo) -> datetime:
        return local_midnight(self.shift(1).first_day, tz)

    def period(self, tz: tzinfo) -> Period:
        return Period(self.start(tz), self.end(tz))

    def has_ended(self, now: datetime, tz: tzinfo) -> bool:
        return now >= self.end(tz)

    def span(self) -> str:
        """`November 2026`."""
        return f"{self.first_day:%B %Y}"

    def short(self) -> str:
        """`Nov` (`Jan 27` in January, so a trend crossing a year says which)."""
        return f"{self.first_day:%b %y}" if self.month == 1 else f"{self.first_day:%b}"

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"
