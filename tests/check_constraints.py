"""Whether the database's CHECK constraints refuse a row: for migration tests that widen or
narrow one and must show both sides of it on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, TextClause


def refused(engine: Engine, statement: TextClause, **row: Any) -> bool:
    """True when inserting `row` fails on a constraint; nothing is kept either way."""
    connection = engine.connect()
    try:
        connection.execute(statement, row)
        return False
    except Exception as error:  # IntegrityError, wrapped per driver
        assert "check" in str(error).lower() or "constraint" in str(error).lower()
        return True
    finally:
        connection.rollback()
        connection.close()
