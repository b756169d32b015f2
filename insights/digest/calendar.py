"""What a digest's period, an ISO week or a calendar month, does the same way either way.

Both are read from what a person types (`2026-W47`, `2026-11`, or a date inside one), found
from a moment on the business's calendar, and bounded by local midnights, so a period with
a daylight-saving change is an hour longer or shorter, as the people reading it lived it.
A subclass (a frozen dataclass of a year and a number) says how its own calendar works:
`PATTERN`, `ERROR`, `EXAMPLE`, `containing()`, `first_day` and `shift()`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo
from typing import ClassVar, Self

from insights.metrics import Period
from insights.timeparse import local_midnight

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class CalendarPeriod:
    PATTERN: ClassVar[re.Pattern[str]]
    """The typed form: two groups, the year and the period's number in it."""
    ERROR: ClassVar[type[ValueError]]
    EXAMPLE: ClassVar[str]
    """What a period looks like, for the error: "a month like 2026-11 (or ...)"."""

    @classmethod
    def parse(cls, text: str) -> Self:
        """The typed form, or a date `2026-11-18` meaning the period it falls in."""
        value = text.strip()
        match = cls.PATTERN.fullmatch(value)
        if match:
            return cls(int(match.group(1)), int(match.group(2)))  # type: ignore[call-arg]
        if DATE.fullmatch(value):
            try:
                return cls.containing(date.fromisoformat(value))
            except ValueError:
                pass
        raise cls.ERROR(f"{text!r} is not {cls.EXAMPLE}")

    @classmethod
    def containing(cls, day: date) -> Self:
        raise NotImplementedError

    @property
    def first_day(self) -> date:
        raise NotImplementedError

    def shift(self, periods: int) -> Self:
        raise NotImplementedError

    @classmethod
    def of(cls, moment: datetime, tz: tzinfo) -> Self:
        """The period `moment` falls in, on the calendar of `tz`."""
        return cls.containing(moment.astimezone(tz).date())

    @classmethod
    def last_full(cls, now: datetime, tz: tzinfo) -> Self:
        """The most recent period that has ended by `now` (the one before the current)."""
        return cls.of(now, tz).shift(-1)

    def start(self, tz: tzinfo) -> datetime:
        return local_midnight(self.first_day, tz)

    def end(self, tz: tzinfo) -> datetime:
        return self.shift(1).start(tz)

    def period(self, tz: tzinfo) -> Period:
        return Period(self.start(tz), self.end(tz))

    def has_ended(self, now: datetime, tz: tzinfo) -> bool:
        return now >= self.end(tz)
