"""Migration 0013 lets `events` hold `subscription_changed` rows, keeps every row it had,
and on the way down removes only the new kind (the old check would refuse it): real rows
written at 0011 with raw SQL, read at 0013, read again after the downgrade.
"""

from __future__ import annotations

from alembic import command
from check_constraints import refused
from migration_rows import insert_customer
from sqlalchemy import text

from storage import schema
from storage.database import make_engine

T = "2026-11-01 10:00:00"
INSERT_EVENT = text(
    "INSERT INTO events (id, event_id, customer_id, type, occurred_at, amount, created_at,"
    " updated_at) VALUES (:id, :event_id, 1, :type, :t, :amount, :t, :t)"
)


def _events(connection) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    rows = connection.execute(text("SELECT event_id, type, amount FROM events ORDER BY id"))
    return [(r[0], r[1], None if r[2] is None else f"{float(r[2]):.2f}") for r in rows]


def _refused(engine, **row: object) -> bool:  # type: ignore[no-untyped-def]
    return refused(engine, INSERT_EVENT, t=T, **row)


def test_0013_accepts_subscription_changed_and_back(database_url: str) -> None:
    engine = make_engine(database_url)
    config = schema.alembic_config(engine)
    try:
        command.upgrade(config, "0011")
        with engine.begin() as connection:
            insert_customer(connection, T)
            connection.execute(
                INSERT_EVENT,
                {"id": 1, "event_id": "e-1", "type": "subscription_started", "amount": 100, "t": T},
            )
            connection.execute(
                INSERT_EVENT,
                {"id": 2, "event_id": "e-2", "type": "activity", "amount": None, "t": T},
            )
        assert _refused(engine, id=3, event_id="e-3", type="subscription_changed", amount=150)

        command.upgrade(config, "0013")
        with engine.begin() as connection:
            connection.execute(
                INSERT_EVENT,
                {"id": 3, "event_id": "e-3", "type": "subscription_changed", "amount": 150, "t": T},
            )
            assert _events(connection) == [
                ("e-1", "subscription_started", "100.00"),
                ("e-2", "activity", None),
                ("e-3", "subscription_changed", "150.00"),
            ]
        assert _refused(engine, id=4, event_id="e-4", type="subscription_paused", amount=None)

        command.downgrade(config, "0011")
        with engine.connect() as connection:
            assert _events(connection) == [
                ("e-1", "subscription_started", "100.00"),
                ("e-2", "activity", None),
            ]
            assert connection.execute(text("SELECT count(*) FROM customers")).scalar_one() == 1
        assert _refused(engine, id=5, event_id="e-5", type="subscription_changed", amount=1)

        command.upgrade(config, "head")
        assert schema.head_revision() >= "0013"
    finally:
        engine.dispose()
