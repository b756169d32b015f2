"""What a valid customer, event or survey response looks like, whatever door it came in by.

CSV imports and the HTTP API both hand raw string mappings to these parsers, so a row is
accepted or refused for the same reasons, with the same words, everywhere. Each parser
raises `RecordError` naming the field; it never touches the database (checks that need it,
such as "unknown customer", happen in `insights.ingest`).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation

from insights.timeparse import TimeFormatError, parse_time
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

SCORE_SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5)}
MAX_ID_LENGTH = 255
MAX_COMMENT_LENGTH = 20_000
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise RecordError(field, "must be a string")
    return str(value).strip()


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


def _time(row: Mapping[str, object], field: str, tz: tzinfo) -> datetime:
    try:
        return parse_time(_text(row, field), tz)
    except TimeFormatError as error:
        raise RecordError(field, str(error)) from None


def _decimal(row: Mapping[str, object], field: str) -> Decimal | None:
    value = _text(row, field)
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RecordError(field, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise RecordError(field, f"{value!r} is not a finite number")
    if abs(number) >= Decimal("1e10"):
        raise RecordError(field, f"{value!r} is too large")
    return number.quantize(Decimal("0.01"))


def parse_customer(row: Mapping[str, object], tz: tzinfo) -> CustomerRecord:
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
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
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
        signed_up_at=_time(row, "signed_up_at", tz),
    )


def parse_event(row: Mapping[str, object], tz: tzinfo) -> EventRecord:
    event_id = _identifier(row, "event_id")
    external_id = _identifier(row, "external_id")
    kind = _text(row, "type").lower()
    if kind not in EVENT_TYPES:
        raise RecordError("type", f"{kind!r} is not one of {', '.join(EVENT_TYPES)}")
    return EventRecord(
        event_id=event_id,
        external_id=external_id,
        type=kind,
        occurred_at=_time(row, "occurred_at", tz),
        amount=_decimal(row, "amount"),
    )


def parse_response(row: Mapping[str, object], tz: tzinfo) -> ResponseRecord:
    response_id = _identifier(row, "response_id")
    external_id = _identifier(row, "external_id")
    survey = _text(row, "survey").lower()
    if survey not in SURVEY_KINDS:
        raise RecordError("survey", f"{survey!r} is not one of {', '.join(SURVEY_KINDS)}")
    raw_score = _text(row, "score")
    comment = _optional(row, "comment", MAX_COMMENT_LENGTH)
    score: int | None = None
    if survey in SCORE_SCALES:
        low, high = SCORE_SCALES[survey]
        if not raw_score:
            raise RecordError("score", f"is missing ({survey} answers are scored {low}-{high})")
        try:
            score = int(raw_score)
        except ValueError:
            raise RecordError("score", f"{raw_score!r} is not a whole number") from None
        if not low <= score <= high:
            raise RecordError("score", f"{score} is outside the {survey} scale {low}-{high}")
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
        answered_at=_time(row, "answered_at", tz),
    )
