"""Hypothesis strategies for records a careless or hostile client sends.

Half the records are valid; the other half carry one or two fields to refuse (far dates,
offsets whose UTC conversion overflows, NULs, lone surrogates, numbers past their
columns, wrong types, nesting) or miss one, and any record may carry unknown fields. One
generated batch thus holds good and bad records side by side; the property is that the
good ones are stored and the bad ones refused one by one, never a 5xx or a traceback.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from storage.models import EVENT_TYPES

CUSTOMER_IDS = ("c-1", "c-2", "c-3")  # seeded before a property runs
MISSING = object()


class Raw:
    """A JSON token written as is: numbers Python's `json.dumps` cannot produce."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return f"Raw({self.token[:20]!r})"


def to_json(value: Any) -> str:
    """JSON text; `ensure_ascii` writes a lone surrogate as `\\ud800`, as a client would."""
    if isinstance(value, Raw):
        return value.token
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else "NaN"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(to_json(v) for v in value) + "]"
    return json.dumps(value)


def _no_surrogates(value: str) -> bool:
    return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)


UNSTORABLE = st.sampled_from(["\x00", "a\x00b", "\ud800", "x\udfffy", "\ud83d", "ok\x00"])
ODD_TEXT = st.sampled_from(
    ["😀", "Ærø 伽马", " padded ", "\u2028", "'; DROP TABLE customers;--", "a" * 300, "\x1c",
     "\r\n", "NaN", "-0"]
)  # fmt: skip
STRANGE_TEXT = st.one_of(UNSTORABLE, ODD_TEXT)
TEXT = st.one_of(
    st.text(max_size=12),
    STRANGE_TEXT,
    st.text(st.characters(categories=["Cs", "Cc", "Lo"]), max_size=6),
)
OFFSETS = st.integers(-1439, 1439).map(lambda m: timezone(timedelta(minutes=m)))
VALID_TIMES = st.one_of(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2026, 11, 30)).map(
        lambda d: d.isoformat()
    ),
    st.dates(min_value=datetime(2020, 1, 1).date(), max_value=datetime(2026, 11, 30).date()).map(
        lambda d: d.isoformat()
    ),
)
FIXED_BAD_TIMES = st.sampled_from(
    ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00Z",
     "0001-01-01", "9999-12-31", "1969-12-31T23:59:59Z", "2026-11-02T09:30:00+14:00",
     "22/11/2026", "", "2026-02-30", "2026-11-02T25:00Z", "tomorrow"]
)  # fmt: skip
BAD_TIMES = st.one_of(
    FIXED_BAD_TIMES,
    st.datetimes(timezones=st.one_of(st.none(), OFFSETS)).map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.isoformat()),
)
HUGE_NUMBERS = st.sampled_from(
    [Raw("1" * 5000), Raw("1e999999999"), Raw("-1e-999999999"), Raw("9999999999.995"),
     Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), "9999999999.995", "1e400", "-1"]
)  # fmt: skip
MONEY = st.one_of(
    st.decimals(min_value=0, max_value=100_000, places=2),
    st.decimals(min_value=0, max_value=100_000, places=2).map(str),
    st.integers(0, 10**6),
)
WRONG_TYPES = st.one_of(
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.recursive(
        st.none() | st.integers(-5, 5) | st.text(max_size=3),
        lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=8,
    ),
    st.just(Raw("[" * 200 + "]" * 200)),  # deep, but within what the JSON parser reads
)
ANY_BAD = st.one_of(
    UNSTORABLE, UNSTORABLE, FIXED_BAD_TIMES, FIXED_BAD_TIMES, HUGE_NUMBERS, WRONG_TYPES, TEXT,
    BAD_TIMES, st.just(MISSING),
)  # fmt: skip


def _ids(prefix: str) -> st.SearchStrategy[str]:
    return st.sampled_from([f"{prefix}-{n}" for n in range(6)])


@st.composite
def _spoilt(draw: st.DrawFn, valid: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """A valid record, or (half the time) one with one or two fields made bad or missing."""
    values = dict(draw(valid))
    if draw(st.booleans()):
        names = draw(st.lists(st.sampled_from(sorted(values)), min_size=1, max_size=2))
        for name in names:
            bad = draw(ANY_BAD)
            if bad is MISSING:
                values.pop(name, None)
            else:
                values[name] = bad
    values.update(draw(st.dictionaries(st.text(max_size=8), TEXT | WRONG_TYPES, max_size=1)))
    return values


CUSTOMER = _spoilt(
    st.fixed_dictionaries(
        {"external_id": _ids("p"), "signed_up_at": VALID_TIMES},
        optional={
            "name": st.text(st.characters(exclude_categories=["Cs"]), max_size=20),
            "email": st.sampled_from(["ops@acme.example", "a@b.co"]),
            "language": st.sampled_from(["en", "da", "pt-BR"]),
            "timezone": st.sampled_from(["Europe/Copenhagen", "UTC"]),
            "plan": st.sampled_from(["pro", "basic", ""]),
            "mrr": MONEY,
        },
    )
)
EVENT = _spoilt(
    st.fixed_dictionaries(
        {
            "event_id": _ids("e"),
            "external_id": st.sampled_from([*CUSTOMER_IDS, "ghost"]),
            "type": st.sampled_from(EVENT_TYPES),
            "occurred_at": VALID_TIMES,
        },
        optional={"amount": MONEY},
    )
)
_ANSWERED = {"response_id": _ids("r"), "external_id": st.sampled_from(CUSTOMER_IDS),
             "answered_at": VALID_TIMES}  # fmt: skip
_COMMENT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30)
RESPONSE = _spoilt(
    st.one_of(
        st.fixed_dictionaries(
            {**_ANSWERED, "survey": st.just("nps"), "score": st.integers(0, 10)},
            optional={"comment": _COMMENT},
        ),
        st.fixed_dictionaries({**_ANSWERED, "survey": st.just("csat"), "score": st.integers(1, 5)}),
        st.fixed_dictionaries({**_ANSWERED, "survey": st.just("exit"), "comment": _COMMENT}),
    )
)
RECORDS = {"customers": CUSTOMER, "events": EVENT, "responses": RESPONSE}


def batches(kind: str) -> st.SearchStrategy[Any]:
    """A JSON body: one record, or a list mixing records with values that are not objects."""
    record = RECORDS[kind]
    items = st.one_of(record, record, record, record, record, st.integers(0, 3), st.none())
    return st.one_of(record, st.lists(items, min_size=1, max_size=6))


_CSV_TEXT = UNSTORABLE.filter(_no_surrogates) | ODD_TEXT | st.just("")
_CSV_TIMES = FIXED_BAD_TIMES | BAD_TIMES
_ZONES = st.sampled_from(["America", "Mars/Base", "../etc/passwd"])
_CSV_NUMBERS = HUGE_NUMBERS.map(lambda n: n.token if isinstance(n, Raw) else n) | _CSV_TEXT


def _column(valid: st.SearchStrategy[Any], bad: st.SearchStrategy[str]) -> tuple[Any, Any]:
    """A CSV column: how its valid cells look, and what a hostile file puts there instead."""
    return valid.map(str), bad


CSV_COLUMNS: dict[str, list[tuple[Any, Any]]] = {
    "customers": [
        _column(_ids("p"), _CSV_TEXT),
        _column(st.text(max_size=10).filter(_no_surrogates), _CSV_TEXT),
        _column(st.sampled_from(["ops@acme.example", ""]), _CSV_TEXT),
        _column(st.sampled_from(["en", ""]), _CSV_TEXT),
        _column(st.sampled_from(["Europe/Copenhagen", ""]), _ZONES | _CSV_TEXT),
        _column(st.sampled_from(["pro", ""]), _CSV_TEXT),
        _column(MONEY, _CSV_NUMBERS), _column(VALID_TIMES, _CSV_TIMES),
    ],
    "events": [
        _column(_ids("e"), _CSV_TEXT),
        _column(st.sampled_from([*CUSTOMER_IDS, "ghost"]), _CSV_TEXT),
        _column(st.sampled_from(EVENT_TYPES), _CSV_TEXT), _column(VALID_TIMES, _CSV_TIMES),
        _column(MONEY | st.just(""), _CSV_NUMBERS),
    ],
    "responses": [
        _column(_ids("r"), _CSV_TEXT), _column(st.sampled_from(CUSTOMER_IDS), _CSV_TEXT),
        _column(st.just("nps"), _CSV_TEXT), _column(st.integers(0, 10), _CSV_NUMBERS),
        _column(_COMMENT, _CSV_TEXT), _column(VALID_TIMES, _CSV_TIMES),
    ],
}  # fmt: skip


@st.composite
def _csv_row(draw: st.DrawFn, kind: str) -> list[str]:
    """A valid row, or (half the time) one with a hostile cell or a value too many."""
    columns = CSV_COLUMNS[kind]
    row = [draw(valid) for valid, _ in columns]
    spoil = draw(st.integers(0, 2 * len(columns)))
    if spoil < len(columns):
        row[spoil] = draw(columns[spoil][1])
    elif spoil == len(columns):
        row.append(draw(st.text(max_size=3)))
    return row


def csv_rows(kind: str) -> st.SearchStrategy[list[list[str]]]:
    """Rows for the CSV import of `kind`."""
    return st.lists(_csv_row(kind), min_size=1, max_size=8)
