"""Reading the times people put in spreadsheets and APIs, and the range of times we accept.

ISO 8601 only, because it is the one format that is not ambiguous (is 03/04 March or April?).
A date alone means midnight, and a time without an offset means local time, both in the
business's timezone: that is what the person who typed it meant.

Every time we store must stay usable by the arithmetic done on it later (a grace period
added, a week computed in a local timezone). Python's datetimes end at year 9999, so a
payment failed at 9999-12-31 once made every churn recomputation overflow. Hence one window,
`TimeWindow`, checked when a time comes in and again when a stored time is read for a
derivation: from 1970-01-01 (UTC) to a day after now (a day of slack for clock skew and
for senders whose "today" is ahead of ours).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


SHOWN_CHARACTERS = 60


def shown(value: str) -> str:
    """`value` quoted for a one-line message: escapes control characters, cuts it if long."""
    if len(value) <= SHOWN_CHARACTERS:
        return repr(value)
    return f"{value[:SHOWN_CHARACTERS]!r}... ({len(value)} characters)"


class TimeFormatError(ValueError):
    pass


class TimeRangeError(TimeFormatError):
    """A well-formed time that lies outside what can be stored (see `TimeWindow`)."""


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The instants a stored time may take: `earliest <= t <= latest`."""

    earliest: datetime
    latest: datetime

    @classmethod
    def until(cls, now: datetime) -> TimeWindow:
        """The window as of `now`: from 1970-01-01 up to a day after `now`."""
        return cls(EARLIEST, now + FUTURE_SLACK)

    def __contains__(self, moment: datetime) -> bool:
        return self.earliest <= moment <= self.latest

    def describe(self) -> str:
        """The accepted range in words, for the one line that refuses a time."""
        latest = self.latest.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        return f"times from 1970-01-01 up to a day after now ({latest} UTC) are accepted"


def parse_time(value: str, tz: tzinfo) -> datetime:
    """Parse an ISO 8601 date or datetime into an aware UTC datetime.

    A time whose conversion to UTC would leave Python's range (9999-12-31T23:00-05:00,
    0001-01-01T00:00+05:00) is refused with `TimeFormatError`, like any other bad time.
    """
    text = value.strip()
    if not text:
        raise TimeFormatError("is empty")
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            parsed = datetime.combine(date.fromisoformat(text), time(0), tzinfo=tz)
        else:
            parsed = datetime.fromisoformat(text)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=tz)
    except ValueError:
        raise TimeFormatError(
            f"{shown(value)} is not an ISO 8601 date or time (e.g. 2026-11-02 or 2026-11-02T09:30Z)"
        ) from None
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise TimeRangeError(f"{shown(value)} is out of range (it has no UTC equivalent)") from None


def parse_time_within(value: str, tz: tzinfo, window: TimeWindow) -> datetime:
    """`parse_time`, refusing a time outside `window` before anyone does arithmetic on it."""
    try:
        moment = parse_time(value, tz)
    except TimeRangeError:
        moment = None
    if moment is None or moment not in window:
        raise TimeRangeError(f"{shown(value)} is out of range: {window.describe()}")
    return moment


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The UTC instant at which `day` starts in `tz`."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
