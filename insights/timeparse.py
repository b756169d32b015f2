"""Reading the times people put in spreadsheets and APIs.

ISO 8601 only, because it is the one format that is not ambiguous (is 03/04 March or April?).
A date alone means midnight, and a time without an offset means local time, both in the
business's timezone: that is what the person who typed it meant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo


class TimeFormatError(ValueError):
    pass


def parse_time(value: str, tz: tzinfo) -> datetime:
    """Parse an ISO 8601 date or datetime into an aware UTC datetime."""
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
            f"{value!r} is not an ISO 8601 date or time (e.g. 2026-11-02 or 2026-11-02T09:30Z)"
        ) from None
    return parsed.astimezone(UTC)


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The UTC instant at which `day` starts in `tz`."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
