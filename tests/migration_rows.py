"""Raw rows for migration tests: written with SQL, not the ORM, because the tables are
those of an older revision and the models describe the newest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text


def insert_customer(connection: Connection, when: datetime) -> None:
    """Customer 1 ('c-1', active, MRR 100) in the customers table of revision 0011 or later."""
    connection.execute(
        text(
            "INSERT INTO customers (id, external_id, mrr, signed_up_at, status,"
            " created_at, updated_at, opted_out, lifecycle_stale)"
            " VALUES (1, 'c-1', 100, :t, 'active', :t, :t, :no, :no)"
        ),
        {"t": when, "no": False},
    )
