"""What a valid customer, event or survey response looks like, whatever door it came in by.

CSV imports and the HTTP API both hand raw string mappings to these parsers, so a row is
accepted or refused for the same reasons, with the same words, everywhere. Each parser
raises `RecordError` naming the field; it never touches the database (checks that need it,
such as "unknown customer", happen in `insights.ingest`).

Everything a record holds is checked here before it can reach the database or any
arithmetic: text that a database cannot store (a NUL character, which PostgreSQL refuses,
or a lone surrogate, which is not Unicode at all) is refused per field, times must lie in
the window of `insights.timeparse.TimeWindow`, and amounts must fit their columns once
rounded to cents. A record refused here costs one line of report; a record let through
would cost the whole batch (a database error) or every later computation (an overflow).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation

from insights.timeparse import TimeFormatError, TimeWindow, parse_time_within, shown
from storage.models import EVENT_TYPES, SURVEY_KINDS

CUSTOMER_COLUMNS = (
    "external_id",
    "name",
    "email",
    "language",
    "timezone",
    "plan",
    "mrr",
    "signed_up_at",
)
EVENT_COLUMNS = ("event_id", "external_id", "type", "occurred_at", "amount")
RESPONSE_COLUMNS = ("response_id", "external_id", "survey", "score", "comment", "answered_at")

# Events whose `amount` is the customer's MRR from then on (`insights.revenue.mrr`).
MRR_EVENT_TYPES = ("subscription_started", "subscription_changed")
SCORE_SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5)}
MAX_ID_LENGTH = 255
MAX_COMMENT_LENGTH = 20_000
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SURROGATE = re.compile("[\ud800-\udfff]")
MONEY_LIMIT = Decimal("1e10")  # mrr NUMERIC(12,2): at most 9,999,999,999.99
_CENT = Decimal("0.01")


class RecordError(ValueError):
    """A field of a record is invalid; `field` names it for API clients."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    external_id: str
    name: str | None
    email: str | None
    language: str | None
    timezone: str | None
    plan: str | None
    mrr: Decimal
    signed_up_at: datetime


@dataclass(frozen=True, slots=True)
class EventRecord:
    event_id: str
    external_id: str
    type: str
    occurred_at: datetime
    amount: Decimal | None


@dataclass(frozen=True, slots=True)
class ResponseRecord:
    response_id: str
    external_id: str
    survey: str
    score: int | None
    comment: str | None
    answered_at: datetime


def _text(row: Mapping[str, object], field: str) -> str:
    value = row.get(field)
    if type(value) is str:  # the CSV case, millions of times per import: keep it cheap
        return _storable(field, value.strip())
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise RecordError(field, "must be a string")
    try:
        text = str(value).strip()
    except ValueError:  # an int too long for str() (over 4300 digits)
        raise RecordError(field, "is too long a number") from None
    return _storable(field, text)


def _storable(field: str, value: str) -> str:
    """`value`, unless a database would refuse it (and with it every record of the batch).

    Both tests are cheap for the usual ASCII field: `in` and `isascii()` run in C.
    """
    if "\x00" in value:
        raise RecordError(field, "contains a NUL character (\\x00), which cannot be stored")
    if not value.isascii() and _SURROGATE.search(value):
        raise RecordError(
            field, "contains a lone surrogate (\\ud800-\\udfff), which is not valid Unicode"
        )
    return value


def _identifier(row: Mapping[str, object], field: str) -> str:
    value = _text(row, field)
    if not value:
        raise RecordError(field, "is missing")
    if len(value) > MAX_ID_LENGTH:
        raise RecordError(field, f"is longer than {MAX_ID_LENGTH} characters")
    return value


def _optional(row: Mapping[str, object], field: str, limit: int) -> str | None:
    value = _text(row, field)
    if len(value) > limit:
        raise RecordError(field, f"is longer than {limit} characters")
    return value or None


def _time(row: Mapping[str, object], field: str, tz: tzinfo, window: TimeWindow) -> datetime:
    try:
        return parse_time_within(_text(row, field), tz, window)
    except TimeFormatError as error:
        raise RecordError(field, str(error)) from None


def _window(window: TimeWindow | None) -> TimeWindow:
    return window if window is not None else TimeWindow.until(datetime.now(UTC))


def _number(row: Mapping[str, object], field: str) -> tuple[str, Decimal] | None:
    """The field as a finite decimal (and the text it came from), or None when empty."""
    value = _text(row, field)
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RecordError(field, f"{shown(value)} is not a number") from None
    if not number.is_finite():
        raise RecordError(field, f"{shown(value)} is not a finite number")
    return value, number


def _decimal(row: Mapping[str, object], field: str) -> Decimal | None:
    """Money, rounded to cents; the limit is checked on the rounded value, which is stored.

    `copy_abs` and the pre-check keep huge exponents (1e999999999) away from context
    arithmetic, which would raise `decimal.Overflow` rather than answer.
    """
    found = _number(row, field)
    if found is None:
        return None
    value, number = found
    if number.copy_abs() >= MONEY_LIMIT:
        raise RecordError(field, f"{shown(value)} is too large (at most 9999999999.99)")
    rounded = number.quantize(_CENT)
    if rounded.copy_abs() >= MONEY_LIMIT:
        raise RecordError(field, f"{shown(value)} is too large once rounded to {rounded}")
    return rounded


def parse_customer(
    row: Mapping[str, object], tz: tzinfo, window: TimeWindow | None = None
) -> CustomerRecord:
    """A customer; `window` bounds `signed_up_at` (default: as of now)."""
    external_id = _identifier(row, "external_id")
    email = _optional(row, "email", 320)
    if email is not None and not _EMAIL.match(email):
        raise RecordError("email", f"{email!r} is not an email address")
    language = _optional(row, "language", 16)
    if language is not None:
        if not _LANGUAGE.match(language):
            raise RecordError("language", f"{language!r} is not a language code (e.g. en, ru)")
        language = re.split(r"[-_]", language)[0].lower()
    timezone = _optional(row, "timezone", 64)
    if timezone is not None:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a folder
            raise RecordError("timezone", f"{timezone!r} is not a known IANA timezone") from None
    mrr = _decimal(row, "mrr")
    if mrr is None:
        mrr = Decimal("0.00")
    if mrr < 0:
        raise RecordError("mrr", f"{mrr} is negative")
    return CustomerRecord(
        external_id=external_id,
        name=_optional(row, "name", 255),
        email=email,
        language=language,
        timezone=timezone,
        plan=_optional(row, "plan", 100),
        mrr=mrr,
        signed_up_at=_time(row, "signed_up_at", tz, _window(window)),
    )


def parse_event(
    row: Mapping[str, object], tz: tzinfo, window: TimeWindow | None = None
) -> EventRecord:
    """An event; `window` bounds `occurred_at` (default: as of now)."""
    event_id = _identifier(row, "event_id")
    external_id = _identifier(row, "external_id")
    kind = _text(row, "type").lower()
    if kind not in EVENT_TYPES:
        raise RecordError("type", f"{shown(kind)} is not one of {', '.join(EVENT_TYPES)}")
    return EventRecord(
        event_id=event_id,
        external_id=external_id,
        type=kind,
        occurred_at=_time(row, "occurred_at", tz, _window(window)),
        amount=_subscription_amount(kind, _decimal(row, "amount")),
    )


def _subscription_amount(kind: str, amount: Decimal | None) -> Decimal | None:
    """The amount of a subscription event is the customer's MRR from then on: never
    negative, and required on `subscription_changed` (a change without its new MRR says
    nothing). Other events keep any amount (a refund may be a negative purchase)."""
    if kind not in MRR_EVENT_TYPES:
        return amount
    if amount is None:
        if kind == "subscription_changed":
            raise RecordError("amount", "is missing: subscription_changed carries the new MRR")
        return None
    if amount < 0:
        raise RecordError("amount", f"{amount} is negative (the amount of {kind} is an MRR)")
    return amount


def parse_response(
    row: Mapping[str, object], tz: tzinfo, window: TimeWindow | None = None
) -> ResponseRecord:
    """A survey response; `window` bounds `answered_at` (default: as of now)."""
    response_id = _identifier(row, "response_id")
    external_id = _identifier(row, "external_id")
    survey = _text(row, "survey").lower()
    if survey not in SURVEY_KINDS:
        raise RecordError("survey", f"{shown(survey)} is not one of {', '.join(SURVEY_KINDS)}")
    raw_score = _text(row, "score")
    comment = _optional(row, "comment", MAX_COMMENT_LENGTH)
    score: int | None = None
    if survey in SCORE_SCALES:
        score = _score(raw_score, survey)
    else:
        if raw_score:
            raise RecordError("score", "must be empty: exit interviews are not scored")
        if comment is None:
            raise RecordError("comment", "is missing: an exit interview answer needs its text")
    return ResponseRecord(
        response_id=response_id,
        external_id=external_id,
        survey=survey,
        score=score,
        comment=comment,
        answered_at=_time(row, "answered_at", tz, _window(window)),
    )


def _score(raw: str, survey: str) -> int:
    """A whole number on the survey's scale; `7.0` is 7, `7.5` is refused, not rounded.

    The scale is checked on the decimal before it becomes an int, so `1e999999` is
    refused as off the scale instead of being expanded into a million digits.
    """
    low, high = SCORE_SCALES[survey]
    if not raw:
        raise RecordError("score", f"is missing ({survey} answers are scored {low}-{high})")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number != number.to_integral_value():
        raise RecordError("score", f"{shown(raw)} is not a whole number")
    if not low <= number <= high:
        said = raw if len(raw) <= 20 else shown(raw)
        raise RecordError("score", f"{said} is outside the {survey} scale {low}-{high}")
    return int(number)
