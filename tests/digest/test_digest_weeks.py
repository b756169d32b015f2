"""ISO weeks in the business's timezone: parsing, bounds, "last full week"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from insights.digest import IsoWeek, WeekFormatError

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-W47", IsoWeek(2026, 47)),
        ("2026W47", IsoWeek(2026, 47)),
        (" 2026-w07 ", IsoWeek(2026, 7)),
        ("2026-11-22", IsoWeek(2026, 47)),  # a Sunday belongs to the week of its Monday
        ("2027-01-01", IsoWeek(2026, 53)),  # 2026 has 53 ISO weeks
    ],
)
def test_parse(text, expected):
    assert IsoWeek.parse(text) == expected


@pytest.mark.parametrize("text", ["2026-W54", "2025-W53", "2026-W0", "week 47", "", "2026-13-01"])
def test_parse_refuses_what_is_not_a_week(text):
    with pytest.raises(WeekFormatError):
        IsoWeek.parse(text)


def test_str_span_and_shift():
    week = IsoWeek(2026, 47)
    assert str(week) == "2026-W47"
    assert (week.monday, week.sunday) == (date(2026, 11, 16), date(2026, 11, 22))
    assert week.span() == "16–22 Nov 2026"
    assert IsoWeek(2026, 49).span() == "30 Nov – 6 Dec 2026"
    assert IsoWeek(2026, 53).span() == "28 Dec 2026 – 3 Jan 2027"
    assert week.shift(-7) == IsoWeek(2026, 40)
    assert IsoWeek(2027, 1).shift(-1) == IsoWeek(2026, 53)


def test_bounds_are_local_midnights_across_a_dst_change():
    week = IsoWeek(2026, 43)  # 19-25 Oct 2026; summer time ends on Sunday 25 Oct
    assert week.start(CPH) == datetime(2026, 10, 18, 22, tzinfo=UTC)
    assert week.end(CPH) == datetime(2026, 10, 25, 23, tzinfo=UTC)
    assert week.period(CPH).days == pytest.approx(7 + 1 / 24)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 23, 8, tzinfo=UTC), IsoWeek(2026, 47)),  # Monday 09:00 local
        (datetime(2026, 11, 22, 23, 30, tzinfo=UTC), IsoWeek(2026, 47)),  # Mon 00:30 local
        (datetime(2026, 11, 22, 22, 30, tzinfo=UTC), IsoWeek(2026, 46)),  # Sun 23:30 local
    ],
)
def test_last_full_week_is_read_in_the_timezone(now, expected):
    assert IsoWeek.last_full(now, CPH) == expected
    assert expected.has_ended(now, CPH)
    assert not expected.shift(1).has_ended(now, CPH)
