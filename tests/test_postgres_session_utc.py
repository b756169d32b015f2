"""PostgreSQL sessions run in UTC whatever the server or role is set to.

Timestamps are stored as UTC instants; a session in a zone west of UTC made psycopg fail to
read a stored 0001-01-01T00:00Z ("timestamp too small"). A connection that asks for
another zone (as a role's or server's setting would) still ends up in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.database import make_engine


def test_a_session_asking_for_new_york_is_in_utc(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("SQLite has no session time zone")
    options = url.query.get("options", "")
    west = url.update_query_dict({"options": f"{options} -c TimeZone=America/New_York".strip()})
    engine = make_engine(west.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW TIME ZONE")).scalar() == "UTC"
            oldest = connection.execute(
                text("SELECT CAST('0001-01-01 00:00:00+00' AS timestamptz)")
            ).scalar()
            assert oldest == datetime(1, 1, 1, tzinfo=UTC)
    finally:
        engine.dispose()
