"""Set-at-a-time writes and look-ups, so imports run at database speed, not ORM speed.

Imports stream millions of rows: they go through here in batches, one statement per batch,
with `ON CONFLICT DO NOTHING` so that two writers racing on the same key never fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Row, Select, select
from sqlalchemy.dialects import postgresql, sqlite
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
) -> None:
    """Insert rows; a row whose unique key already exists is skipped, not an error."""
    if not rows:
        return
    # Core, not ORM, insert: the ORM path with ON CONFLICT falls back to a statement per row.
    table = model.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - only the two supported databases reach here
        raise RuntimeError(f"unsupported database {dialect}")
    session.execute(statement, list(rows))


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
