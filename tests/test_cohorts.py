"""The cohort table against a hand computation, on SQLite and PostgreSQL.

TIMEZONE is Europe/Copenhagen (UTC+1, UTC+2 from 29 March 2026), so the cohorts and the
period ends are local months and weeks: a sign-up at 23:30 UTC on 31 January is a
February customer, and the end of March is 22:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from builders import customer, event
from insights import cohorts
from insights.digest.months import Month
from insights.digest.weeks import IsoWeek
from storage.models import Churn

TZ = ZoneInfo("Europe/Copenhagen")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def churn(session, who, at: datetime, back: datetime | None = None) -> None:
    session.add(
        Churn(
            customer_id=who.id, churned_at=at, churn_type="voluntary", cause="cancelled",
            reactivated_at=back,
        )
    )  # fmt: skip
    session.flush()


def priced(session, who, kind: str, at: datetime, amount: str | None) -> None:
    row = event(session, who, kind, at)
    row.amount = None if amount is None else Decimal(amount)
    session.flush()


# Month ends in Copenhagen, in UTC.
END_JAN, END_FEB = utc(2026, 1, 31, 23), utc(2026, 2, 28, 23)
END_MAR, END_APR = utc(2026, 3, 31, 22), utc(2026, 4, 30, 22)
MONTH_NOW = utc(2026, 5, 15)


@pytest.fixture
def months(factory):
    """Jan: A, B, D; Feb: C, E; Mar: nobody; Apr: F (see each test for the arithmetic)."""
    with factory() as session, session.begin():
        outside = customer(session, utc(2025, 12, 10), mrr="100")
        churn(session, outside, utc(2026, 2, 1))
        a = customer(session, utc(2026, 1, 5), mrr="10")
        b = customer(session, utc(2026, 1, 20), mrr="20")
        d = customer(session, utc(2026, 1, 31, 22, 30), mrr="30")  # 23:30 local: January
        c = customer(session, utc(2026, 1, 31, 23, 30), mrr="40")  # 00:30 local: February
        e = customer(session, utc(2026, 2, 14), mrr="50")
        f = customer(session, utc(2026, 4, 30, 21), mrr="60")  # 23:00 local: April
        customer(session, utc(2026, 4, 30, 22, 30), mrr="70")  # 00:30 local: May, not shown
        churn(session, a, utc(2026, 2, 10))
        churn(session, b, utc(2026, 1, 25), back=utc(2026, 3, 3))
        churn(session, d, END_FEB)  # exactly at the end of February: still active then
        churn(session, e, utc(2026, 4, 1, 12))
        # MRR history: the latest subscription event with an amount before the period's end.
        priced(session, a, "subscription_started", utc(2026, 1, 5), "15")
        priced(session, b, "subscription_started", utc(2026, 3, 10), "25")
        priced(session, b, "subscription_started", utc(2026, 4, 2), None)  # no amount: ignored
        priced(session, d, "subscription_started", utc(2026, 1, 31, 22, 30), "30")
        priced(session, d, "subscription_started", utc(2026, 2, 15), "35")
        priced(session, c, "subscription_started", END_FEB, "44")  # at the end: March's
        priced(session, c, "subscription_started", utc(2026, 3, 5), "41")
        priced(session, c, "subscription_started", utc(2026, 3, 5), "42")  # same time, later
        priced(session, e, "subscription_started", utc(2026, 3, 20), "70")  # upgrade
        priced(session, f, "payment_succeeded", utc(2026, 4, 30, 21, 30), "999")  # not MRR
    return [Month(2026, m) for m in (1, 2, 3, 4)]


def table(factory, periods, metric, now, **options):
    with factory() as session:
        return cohorts.compute(session, periods, TZ, now, metric, **options)


def test_customer_retention_by_month(factory, months):
    result = table(factory, months, "customers", MONTH_NOW)
    rows = {c.label: c for c in result.cohorts}
    assert [c.label for c in result.cohorts] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert rows["2026-01"].start == utc(2025, 12, 31, 23)
    # January: A, B, D. End of Jan: B is away (churned 25 Jan) -> 2 of 3. End of Feb: A
    # left, B still away, D churned exactly at the end (counted active) -> 1. End of Mar:
    # B is back (3 Mar), D gone -> 1. End of Apr: 1.
    jan = rows["2026-01"]
    assert jan.customers == 3
    assert jan.retained == (2, 1, 1, 1)
    assert jan.retention == (66.67, 33.33, 33.33, 33.33)
    # February: C, E. E left on 1 April (after the end of March, before the end of April).
    assert rows["2026-02"].customers == 2
    assert rows["2026-02"].retention == (100.0, 100.0, 50.0)
    # March: nobody signed up. Undefined, never 0.
    assert rows["2026-03"].customers == 0 and rows["2026-03"].retention == (None, None)
    assert rows["2026-04"].retention == (100.0,)
    assert result.periods == 4
    assert jan.start_mrr is None


def test_revenue_retention_by_month(factory, months):
    result = table(factory, months, "revenue", MONTH_NOW)
    rows = {c.label: c for c in result.cohorts}
    jan = rows["2026-01"]
    # End of Jan: A 15 (event), B 0 (churned), D 30 (event at 23:30 local) = 45.
    # End of Feb: D 35 only = 35. End of Mar: B back at 25 (event 10 Mar), D gone = 25.
    # End of Apr: B 25 (the April event has no amount) = 25.
    assert jan.start_mrr == Decimal("45.00")
    assert jan.retained == (Decimal("45.00"), Decimal("35.00"), Decimal("25.00"), Decimal("25.00"))
    assert jan.retention == (100.0, 77.78, 55.56, 55.56)
    feb = rows["2026-02"]
    # End of Feb: C 40 (customers.mrr: the event exactly at the end of February counts
    # from March, as a churn at that instant does) + E 50 (customers.mrr) = 90.
    # End of Mar: C 42 (tie at 5 Mar: the later event) + E 70 (upgrade) = 112: expansion.
    # End of Apr: C 42, E churned = 42.
    assert feb.retained == (Decimal("90.00"), Decimal("112.00"), Decimal("42.00"))
    assert feb.retention == (100.0, 124.44, 46.67)
    assert rows["2026-03"].start_mrr == Decimal("0.00")
    assert rows["2026-03"].retention == (None, None)
    # April: F at customers.mrr 60; the payment_succeeded amount is not MRR.
    assert rows["2026-04"].retained == (Decimal("60.00"),)


def test_periods_not_ended_are_left_out(factory, months):
    # On 15 April, April has not ended: the April cohort has no value, March has one.
    result = table(factory, months, "customers", utc(2026, 4, 15))
    assert [len(c.retention) for c in result.cohorts] == [3, 2, 1, 0]
    assert result.cohorts[0].retention == (66.67, 33.33, 33.33)


def test_max_periods_limits_the_columns(factory, months):
    result = table(factory, months, "customers", MONTH_NOW, max_periods=2)
    assert [c.retention for c in result.cohorts][:2] == [(66.67, 33.33), (100.0, 100.0)]
    assert result.periods == 2


def test_json_shape(factory, months):
    data = table(factory, months, "revenue", MONTH_NOW).as_json()
    assert data["metric"] == "revenue" and data["timezone"] == "Europe/Copenhagen"
    first = data["cohorts"][0]
    assert first["cohort"] == "2026-01" and first["customers"] == 3
    assert first["start_mrr"] == "45.00" and first["retained"][1] == "35.00"
    assert first["retention"] == [100.0, 77.78, 55.56, 55.56]


# Week ends in Copenhagen (UTC+1): Sunday 23:00 UTC.
WEEK_NOW = utc(2026, 3, 25)


@pytest.fixture
def weeks(factory):
    with factory() as session, session.begin():
        h = customer(session, utc(2026, 3, 3), mrr="10")
        i = customer(session, utc(2026, 3, 8, 22, 30), mrr="5")  # Sunday 23:30 local: W10
        j = customer(session, utc(2026, 3, 8, 23, 30), mrr="7")  # Monday 00:30 local: W11
        churn(session, h, utc(2026, 3, 12), back=utc(2026, 3, 20))
        priced(session, i, "subscription_started", utc(2026, 3, 8, 22, 30), "25")
        del j
    return [IsoWeek(2026, w) for w in (10, 11, 12)]


def test_customer_and_revenue_retention_by_week(factory, weeks):
    customers = table(factory, weeks, "customers", WEEK_NOW, by="week")
    assert [c.label for c in customers.cohorts] == ["2026-W10", "2026-W11", "2026-W12"]
    # W10: H and I. H away from 12 to 20 March: gone at the end of W11, back by W12's.
    assert customers.cohorts[0].retained == (2, 1, 2)
    assert customers.cohorts[0].retention == (100.0, 50.0, 100.0)
    assert customers.cohorts[1].retention == (100.0, 100.0)
    assert customers.cohorts[2].customers == 0 and customers.cohorts[2].retention == (None,)
    revenue = table(factory, weeks, "revenue", WEEK_NOW, by="week")
    # W10: H 10 + I 25 (event) = 35; without H 25; H back 35.
    assert revenue.cohorts[0].retained == (Decimal("35.00"), Decimal("25.00"), Decimal("35.00"))
    assert revenue.cohorts[0].retention == (100.0, 71.43, 100.0)
    assert revenue.cohorts[1].retained == (Decimal("7.00"), Decimal("7.00"))


def test_no_cohorts_is_an_error(factory):
    with factory() as session, pytest.raises(ValueError):
        cohorts.compute(session, [], TZ, MONTH_NOW)


def test_the_readme_example(factory):
    """README "Cohorts": 4 January sign-ups at 20; one leaves on 10 February, one is away
    from 25 January to 3 March."""
    with factory() as session, session.begin():
        people = [customer(session, utc(2026, 1, 10 + i), mrr="20") for i in range(4)]
        churn(session, people[0], utc(2026, 2, 10))
        churn(session, people[1], utc(2026, 1, 25), back=utc(2026, 3, 3))
    january = [Month(2026, 1)]
    now = utc(2026, 4, 15)  # March has ended, April has not
    assert table(factory, january, "customers", now).cohorts[0].retention == (75.0, 50.0, 75.0)
    revenue = table(factory, january, "revenue", now).cohorts[0]
    assert revenue.start_mrr == Decimal("60.00")
    assert revenue.retention == (100.0, 66.67, 100.0)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_the_heatmap_grows_with_the_table_so_cells_stay_readable():
    from insights.cohort_chart import render_heatmap, subtitle

    def made(rows: int) -> cohorts.CohortTable:
        return cohorts.CohortTable(
            "month", "customers", "UTC", MONTH_NOW,
            tuple(
                cohorts.Cohort(f"c{i}", MONTH_NOW, 10, None, (), tuple(
                    [None if i == 0 else 100.0 - k for k in range(rows - i)]))
                for i in range(rows)
            ),
        )  # fmt: skip

    small, large = _png_size(render_heatmap(made(12))), _png_size(render_heatmap(made(24)))
    assert large[0] > small[0] and large[1] > small[1]
    # At least ~35 px per cell row and column at 24 x 24, so a "100" fits in each.
    assert large[1] / 24 > 35 and large[0] / 24 > 35
    assert "Blank: not ended yet" in subtitle(made(3))
