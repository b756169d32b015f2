"""Set-at-a-time writes and look-ups, so imports run at database speed, not ORM speed.

Imports stream millions of rows: they go through here in batches, one statement per batch,
with `ON CONFLICT DO NOTHING` so that two writers racing on the same key never fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Row, Select, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.models import Base

T = TypeVar("T")
# Well under SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
LOOKUP_CHUNK = 5_000


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_ignoring_conflicts(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]]
) -> int:
    """Insert rows; a row whose unique key already exists is skipped. Returns rows inserted.

    Imports call this with thousands of rows per batch, so it goes straight to the driver's
    `executemany` with one prepared statement, converting values with each column type's
    own bind processor (the same conversion SQLAlchemy applies, so stored values are
    identical) instead of compiling parameters per row, which cost twice the insert itself.
    Every row must have the same keys.
    """
    if not rows:
        return 0
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name not in ("sqlite", "postgresql"):  # pragma: no cover
        raise RuntimeError(f"unsupported database {dialect.name}")
    table = model.__table__
    names = list(rows[0])
    types = [table.c[name].type.dialect_impl(dialect) for name in names]
    processors = [column_type.bind_processor(dialect) for column_type in types]
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join([marker] * len(names))}) ON CONFLICT DO NOTHING"
    )
    params = [
        tuple(
            value if convert is None or value is None else convert(value)
            for convert, value in zip(processors, (row[name] for name in names), strict=True)
        )
        for row in rows
    ]
    # Both sqlite3 and psycopg report the summed row count of an executemany.
    return int(connection.exec_driver_sql(sql, params).rowcount)


ANALYZE_AFTER_ROWS = 10_000


def refresh_statistics(session: Session, tables: Sequence[str], written: int) -> None:
    """After a bulk load, let PostgreSQL's planner see the new rows (`ANALYZE`).

    Autovacuum analyzes a table only some time after it changed; a query planned in the
    meantime believes the table is as small as before. Seen on 10,000,000 fresh events:
    the churn replay's `customer_id IN (...)` look-ups ran as sequential scans for over
    twenty minutes. ANALYZE samples a fixed number of rows, about a second here. SQLite's
    planner prefers an index without statistics, so nothing is done there.
    """
    if written < ANALYZE_AFTER_ROWS or session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(text(f'ANALYZE "{table}"'))


def rows_by_key(
    session: Session,
    key: InstrumentedAttribute[Any],
    keys: Iterable[Any],
    columns: Sequence[InstrumentedAttribute[Any]],
) -> dict[Any, Row[Any]]:
    """Fetch `columns` for rows whose `key` is in `keys`, in chunks, keyed by `key`."""
    wanted = list(dict.fromkeys(keys))
    found: dict[Any, Row[Any]] = {}
    for part in chunks(wanted, LOOKUP_CHUNK):
        query: Select[Any] = select(key, *columns).where(key.in_(part))
        for row in session.execute(query):
            found[row[0]] = row
    return found
