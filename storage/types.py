"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no timezone-aware timestamp: SQLAlchemy would hand back naive datetimes there and
aware ones on PostgreSQL, and comparing the two raises. `UTCDateTime` stores UTC everywhere and
always returns aware UTC datetimes, so the core never has to ask which database it runs on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# 64-bit ids on PostgreSQL; SQLite only auto-increments a column declared INTEGER.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


class _SQLiteText(sqlite.DATETIME):
    """SQLite's DATETIME column with the string conversion left to `UTCDateTime`.

    SQLAlchemy's own SQLite conversion formats with %-dicts and parses with a regex; the
    C-implemented `isoformat`/`fromisoformat` produce and read the very same text
    ("YYYY-MM-DD HH:MM:SS.ffffff") several times faster, which matters when an import writes
    three timestamps per row for millions of rows. The column's DDL stays DATETIME.
    """

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and returned timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLiteText())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | str | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a timezone first")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # "YYYY-MM-DD HH:MM:SS.ffffff" without the "+00:00" an aware isoformat appends.
            return value.isoformat(sep=" ", timespec="microseconds")[:26]
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
