"""The shared record parser refuses, per field, what would crash a later step or a database.

Every case here once went through: a time whose UTC conversion overflowed crashed the
import, a NUL or lone surrogate failed the whole batch's transaction, an MRR rounded up
past its column failed PostgreSQL's insert, and a 9999 event broke every churn refresh.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from insights.records import RecordError, parse_customer, parse_event, parse_response
from insights.timeparse import TimeFormatError, TimeWindow, parse_time

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
WINDOW = TimeWindow.until(NOW)
UTC_ZONE = ZoneInfo("UTC")


def event(**fields: object) -> dict[str, object]:
    return {"event_id": "e-1", "external_id": "c-1", "type": "activity",
            "occurred_at": "2026-11-20", **fields}  # fmt: skip


def customer(**fields: object) -> dict[str, object]:
    return {"external_id": "c-1", "signed_up_at": "2026-01-01", **fields}


def refused(parse, row, tz=UTC_ZONE) -> RecordError:  # type: ignore[no-untyped-def]
    with pytest.raises(RecordError) as caught:
        parse(row, tz, WINDOW)
    assert "\n" not in str(caught.value)  # one line, whatever the value held
    return caught.value


@pytest.mark.parametrize(
    "when",
    [
        "9999-12-31T23:00:00Z",
        "9999-12-31T23:59:59-05:00",  # its UTC conversion overflows
        "0001-01-01T00:00:00+05:00",  # idem, the other way
        "0001-01-01",
        "1969-12-31T23:59:59Z",
        "2026-11-25T12:00:01Z",  # a second past the day of slack
        "2100-01-01",
    ],
)
def test_times_outside_the_window_are_refused_naming_the_field(when: str) -> None:
    error = refused(parse_event, event(occurred_at=when))
    assert error.field == "occurred_at"
    assert str(error) == (
        f"occurred_at {when!r} is out of range: times from 1970-01-01 up to a day after now "
        "(2026-11-25 12:00 UTC) are accepted"
    )
    for parse, row, field in (
        (parse_customer, customer(signed_up_at=when), "signed_up_at"),
        (parse_response, {"response_id": "r", "external_id": "c", "survey": "nps", "score": 9,
                          "answered_at": when}, "answered_at"),
    ):  # fmt: skip
        assert refused(parse, row).field == field


@pytest.mark.parametrize(
    ("when", "stored"),
    [
        ("1970-01-01T00:00:00Z", datetime(1970, 1, 1, tzinfo=UTC)),
        ("2026-11-25T12:00:00Z", NOW + timedelta(days=1)),  # the last instant accepted
        ("2026-11-25T13:00:00+01:00", NOW + timedelta(days=1)),
    ],
)
def test_the_window_edges_are_accepted(when: str, stored: datetime) -> None:
    assert parse_event(event(occurred_at=when), UTC_ZONE, WINDOW).occurred_at == stored


def test_a_local_date_is_checked_after_its_utc_conversion() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # UTC+1 in 1970: local 1970-01-01 is still 1969 in UTC
    assert refused(parse_event, event(occurred_at="1970-01-01"), berlin).field == "occurred_at"
    assert parse_event(event(occurred_at="1970-01-01T01:00"), berlin, WINDOW).occurred_at == (
        datetime(1970, 1, 1, tzinfo=UTC)
    )


def test_parse_time_refuses_an_overflowing_offset_instead_of_raising_overflow() -> None:
    with pytest.raises(TimeFormatError, match="out of range"):
        parse_time("9999-12-31T23:59:59-05:00", UTC_ZONE)
    with pytest.raises(TimeFormatError, match="out of range"):
        parse_time("0001-01-01", ZoneInfo("Asia/Tokyo"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "Acme\x00", r"name contains a NUL character (\x00), which cannot be stored"),
        ("external_id", "c\x00-1", r"external_id contains a NUL character (\x00)"),
        ("plan", "pro\ud800", r"plan contains a lone surrogate (\ud800-\udfff)"),
        ("email", "\udfff@x.org", r"email contains a lone surrogate"),
        ("timezone", "America", "timezone 'America' is not a known IANA timezone"),
        ("mrr", "9999999999.995", "mrr '9999999999.995' is too large once rounded to 1000000"),
        ("mrr", "10000000000", "mrr '10000000000' is too large (at most 9999999999.99)"),
        ("mrr", "1e999999999", "mrr '1e999999999' is too large"),
        ("mrr", "NaN", "mrr 'NaN' is not a finite number"),
        ("mrr", "x" * 500, "mrr 'xxxxxxxxxx"),
        ("name", ["not", "text"], "name must be a string"),
        ("name", {"deep": {"er": [1]}}, "name must be a string"),
    ],
)
def test_unstorable_values_are_refused_per_field(field: str, value: object, message: str) -> None:
    error = refused(parse_customer, customer(**{field: value}))
    assert error.field == field
    assert str(error).startswith(message), str(error)
    assert len(str(error)) < 200  # a 500-character value is cut, not echoed whole


def test_money_just_under_the_limit_is_kept_to_the_cent() -> None:
    record = parse_customer(customer(mrr="9999999999.994"), UTC_ZONE, WINDOW)
    assert record.mrr == Decimal("9999999999.99")
    assert parse_event(event(amount="-9999999999.99"), UTC_ZONE, WINDOW).amount == Decimal(
        "-9999999999.99"
    )
    assert refused(parse_event, event(amount="-9999999999.995")).field == "amount"


@pytest.mark.parametrize(
    ("score", "accepted"),
    [(9, 9), ("9", 9), (Decimal("9.0"), 9), ("1e1", 10), ("9.5", None), ("1e400", None),
     ("1" * 5000, None), (True, None), ("nine", None), ("11", None)],
)  # fmt: skip
def test_scores_are_whole_numbers_on_the_scale(score: object, accepted: int | None) -> None:
    row = {"response_id": "r", "external_id": "c", "survey": "nps", "score": score,
           "answered_at": "2026-11-20"}  # fmt: skip
    if accepted is None:
        assert refused(parse_response, row).field == "score"
    else:
        assert parse_response(row, UTC_ZONE, WINDOW).score == accepted


def test_valid_unicode_text_is_kept() -> None:
    record = parse_customer(customer(name="Ærø 伽马 😀 Бета"), UTC_ZONE, WINDOW)
    assert record.name == "Ærø 伽马 😀 Бета"


def test_subscription_amounts_are_an_mrr() -> None:
    """`subscription_changed` needs its new MRR; no subscription amount may be negative."""
    changed = parse_event(event(type="subscription_changed", amount="149.5"), UTC_ZONE, WINDOW)
    assert (changed.type, changed.amount) == ("subscription_changed", Decimal("149.50"))
    assert parse_event(event(type="Subscription_Changed", amount="0"), UTC_ZONE, WINDOW).amount == 0
    missing = refused(parse_event, event(type="subscription_changed"))
    assert missing.field == "amount" and "new MRR" in missing.message
    for kind in ("subscription_changed", "subscription_started"):
        negative = refused(parse_event, event(type=kind, amount="-1"))
        assert negative.field == "amount" and "negative" in negative.message
    # A start without an amount is fine (the customer's mrr column is used), and other
    # events keep a negative amount (a refunded purchase).
    assert parse_event(event(type="subscription_started"), UTC_ZONE, WINDOW).amount is None
    assert parse_event(event(type="purchase", amount="-5"), UTC_ZONE, WINDOW).amount == -5
