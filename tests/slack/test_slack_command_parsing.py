"""`/churn` arguments and periods: what people type, and what they get told when it is wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.slack.churn_args import (
    AtRisk,
    CustomerLookup,
    Help,
    Reasons,
    Summary,
    UsageError,
    canonical,
    freeze,
    parse,
    thaw,
)
from insights.metrics import Period
from insights.periods import PeriodError, describe, last_days, parse_period, period_text

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)  # 00:30 on 30 March in Berlin (CEST)


def local(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=TZ).astimezone(UTC)


def test_last_n_days_include_today_in_the_business_timezone() -> None:
    period = last_days(7, TZ, NOW)
    assert period == Period(local(2026, 3, 24), local(2026, 3, 31))  # across the DST change
    # The comparison is `Period.previous()`: the same length exactly. This week is an
    # hour short (clocks went forward), so the week before starts at 01:00, not midnight.
    one_am = datetime(2026, 3, 17, 1, tzinfo=TZ).astimezone(UTC)
    assert period.previous() == Period(one_am, local(2026, 3, 24))
    assert describe(period.previous(), TZ) == "17 Mar – 23 Mar 2026"
    assert describe(period, TZ) == "24 Mar – 30 Mar 2026"
    assert period_text(period, TZ) == "2026-03-24..2026-03-30"


def test_a_date_range_includes_both_days_and_reads_back() -> None:
    period = parse_period("2025-12-28..2026-01-03", TZ, NOW)
    assert period == Period(local(2025, 12, 28), local(2026, 1, 4))
    assert parse_period(period_text(period, TZ), TZ, NOW) == period
    assert describe(period, TZ) == "28 Dec 2025 – 3 Jan 2026"
    assert describe(parse_period("2026-02-05..2026-02-05", TZ, NOW), TZ) == "5 Feb 2026"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0d", "between 1 and"),
        ("99999d", "between 1 and"),
        ("2026-02-30..2026-03-01", "does not exist"),
        ("2026-03-02..2026-03-01", "ends before it starts"),
        ("last week", "is not a period"),
        ("2026-03-01", "is not a period"),
    ],
)
def test_bad_periods_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_period(text, TZ, NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Summary(last_days(30, TZ, NOW))),
        ("summary", Summary(last_days(30, TZ, NOW))),
        ("SUMMARY 7d", Summary(last_days(7, TZ, NOW))),
        ("90d", Summary(last_days(90, TZ, NOW))),
        ("at-risk", AtRisk(10, None)),
        ("at-risk 25 plan:pro", AtRisk(25, "pro")),
        ('at-risk plan:"Pro Plus" 3', AtRisk(3, "Pro Plus")),
        (
            "reasons 2026-01-01..2026-01-31",
            Reasons(parse_period("2026-01-01..2026-01-31", TZ, NOW)),
        ),
        ("customer O'Brien & Sons", CustomerLookup("O'Brien & Sons")),
        ("customer  ann@example.com ", CustomerLookup("ann@example.com")),
        ("help", Help()),
    ],
)
def test_parse(text: str, expected: object) -> None:
    assert parse(text, TZ, NOW) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("summary 7d 30d", "takes one period"),
        ("at-risk 0", "must be 1 to 1000"),
        ("at-risk 5 6", "give the number of customers once"),
        ("at-risk plan:", "needs a plan name"),
        ('at-risk plan:"Pro', "a quote is not closed"),
        ("customer   ", "needs an external id"),
        ("delete everything", "unknown subcommand 'delete'"),
        ("summary 2026-03-31..2026-04-30", "^2026-03-31..2026-04-30 has not happened yet$"),
        ("reasons 2027-01-01..2027-02-01", "^2027-01-01..2027-02-01 has not happened yet$"),
    ],
)
def test_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse(text, TZ, NOW)


def test_frozen_queries_read_back_the_same_with_their_moment() -> None:
    for query in (
        Summary(last_days(7, TZ, NOW)),
        AtRisk(25, "Pro Plus"),
        Reasons(parse_period("2026-01-01..2026-01-31", TZ, NOW)),
        CustomerLookup("acme"),
    ):
        value = freeze(query, NOW, TZ)
        frozen = thaw(value, TZ)
        assert frozen.query == query and frozen.as_of == NOW
        assert value.endswith(canonical(query, TZ))
        assert len(value) < 2000
    assert date(2026, 3, 30) == last_days(1, TZ, NOW).start.astimezone(TZ).date()
    with pytest.raises(UsageError):
        thaw("not-a-stamp summary", TZ)


def test_a_period_that_has_started_is_accepted_even_if_it_runs_past_now() -> None:
    """Today (30 March in Berlin) has started: the summary shows it so far."""
    query = parse("summary 2026-03-30..2026-04-05", TZ, NOW)
    assert isinstance(query, Summary)
    assert query.period == Period(local(2026, 3, 30), local(2026, 4, 6))
