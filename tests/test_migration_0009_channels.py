"""Migration 0009 moves the platform columns to `customer_channels` and neutral references,
and back, without losing a row: real rows written at 0008 with raw SQL, read at 0009, read
again after the downgrade. On SQLite the rebuilt `customers` table must not take the
customers' events, sessions and answers with it (foreign-key cascades on DROP TABLE).
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from storage import schema
from storage.database import make_engine

T = "2026-11-01 10:00:00"
LINKED = "2026-11-02 09:30:00"
BLOCKED = "2026-11-03 08:00:00"


def _seed_0008(connection) -> None:  # type: ignore[no-untyped-def]
    customer = text(
        "INSERT INTO customers (id, external_id, mrr, signed_up_at, status, created_at,"
        " updated_at, telegram_chat_id, telegram_user_id, telegram_linked_at, unreachable,"
        " unreachable_at, opted_out, lifecycle_stale)"
        " VALUES (:id, :ext, 0, :t, 'active', :t, :t, :chat, :user, :linked, :unreachable,"
        " :unreachable_at, :opted_out, :stale)"
    )
    rows = [
        # linked and reachable
        dict(
            id=1,
            ext="linked",
            chat=5_000_000_001,
            user=77,
            linked=LINKED,
            unreachable=False,
            unreachable_at=None,
            opted_out=False,
        ),
        # linked, then blocked the bot
        dict(
            id=2,
            ext="blocked",
            chat=-1001234567890,
            user=None,
            linked=LINKED,
            unreachable=True,
            unreachable_at=BLOCKED,
            opted_out=True,
        ),
        # bound by hand: no link time
        dict(
            id=3,
            ext="by-hand",
            chat=42,
            user=None,
            linked=None,
            unreachable=False,
            unreachable_at=None,
            opted_out=False,
        ),
        # never linked
        dict(
            id=4,
            ext="unlinked",
            chat=None,
            user=None,
            linked=None,
            unreachable=False,
            unreachable_at=None,
            opted_out=False,
        ),
    ]
    for row in rows:
        connection.execute(customer, {"t": T, "stale": False, **row})
    connection.execute(
        text(
            "INSERT INTO events (id, event_id, customer_id, type, occurred_at, created_at,"
            " updated_at) VALUES (1, 'ev-1', 1, 'activity', :t, :t, :t)"
        ),
        {"t": T},
    )
    session = text(
        "INSERT INTO survey_sessions (id, customer_id, survey, status, channel, created_at,"
        " updated_at, telegram_message_id, save_opportunity)"
        " VALUES (:id, :customer, 'nps', :status, 'telegram', :t, :t, :message, :no)"
    )
    connection.execute(
        session,
        {
            "id": 10,
            "customer": 1,
            "status": "completed",
            "message": 9_876_543_210,
            "t": T,
            "no": False,
        },
    )
    connection.execute(
        session, {"id": 11, "customer": 2, "status": "sent", "message": None, "t": T, "no": False}
    )
    connection.execute(
        text(
            "INSERT INTO answers (id, session_id, customer_id, survey, question, score,"
            " answered_at, channel, created_at, updated_at, tags_corrected)"
            " VALUES (100, 10, 1, 'nps', 'score', 3, :t, 'telegram', :t, :t, :no)"
        ),
        {"t": T, "no": False},
    )
    follow_up = text(
        "INSERT INTO follow_ups (id, customer_id, session_id, kind, status, created_at,"
        " updated_at, slack_channel, slack_ts)"
        " VALUES (:id, 1, 10, :kind, 'open', :t, :t, :channel, :ts)"
    )
    connection.execute(
        follow_up,
        {"id": 20, "kind": "alert", "channel": "C0ALERTS", "ts": "1733400000.000100", "t": T},
    )
    connection.execute(follow_up, {"id": 21, "kind": "manual", "channel": None, "ts": None, "t": T})


def _columns(engine, table: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {c["name"] for c in inspect(engine).get_columns(table)}


def _counts(connection) -> dict[str, int]:  # type: ignore[no-untyped-def]
    tables = ("customers", "events", "survey_sessions", "answers", "follow_ups")
    return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


def _when(value: object) -> str:
    """A stored time as 'YYYY-MM-DD HH:MM:SS' whatever the driver returns."""
    return str(value).replace("T", " ")[:19]


def test_0009_moves_bindings_and_references_and_back(database_url: str) -> None:
    engine = make_engine(database_url)
    config = schema.alembic_config(engine)
    try:
        command.upgrade(config, "0008")
        with engine.begin() as connection:
            _seed_0008(connection)
            before = _counts(connection)

        command.upgrade(config, "0009")
        assert {
            "telegram_chat_id",
            "telegram_user_id",
            "telegram_linked_at",
            "unreachable",
            "unreachable_at",
        }.isdisjoint(_columns(engine, "customers"))
        assert "telegram_message_id" not in _columns(engine, "survey_sessions")
        assert {"slack_channel", "slack_ts"}.isdisjoint(_columns(engine, "follow_ups"))
        with engine.connect() as connection:
            assert _counts(connection) == before  # nothing cascaded away
            channels = connection.execute(
                text(
                    "SELECT customer_id, channel, address, user_ref, linked_at, reachable,"
                    " unreachable_at FROM customer_channels ORDER BY customer_id"
                )
            ).all()
            assert [(r[0], r[1], r[2], r[3], bool(r[5])) for r in channels] == [
                (1, "telegram", "5000000001", "77", True),
                (2, "telegram", "-1001234567890", None, False),
                (3, "telegram", "42", None, True),
            ]
            assert [_when(r[4]) if r[4] else None for r in channels] == [LINKED, LINKED, None]
            assert [_when(r[6]) if r[6] else None for r in channels] == [None, BLOCKED, None]
            refs = connection.execute(
                text("SELECT id, message_ref FROM survey_sessions ORDER BY id")
            ).all()
            assert [tuple(r) for r in refs] == [(10, "9876543210"), (11, None)]
            posts = connection.execute(
                text("SELECT id, post_destination, post_ref FROM follow_ups ORDER BY id")
            ).all()
            assert [tuple(r) for r in posts] == [
                (20, "C0ALERTS", "1733400000.000100"),
                (21, None, None),
            ]
            opted = connection.execute(
                text("SELECT opted_out FROM customers WHERE id = 2")
            ).scalar_one()
            assert bool(opted)
        # The new uniqueness holds: one customer per address, one address per channel.
        insert = text(
            "INSERT INTO customer_channels (customer_id, channel, address, reachable)"
            " VALUES (:customer, 'telegram', :address, :yes)"
        )
        for customer, address in ((4, "42"), (1, "999")):
            connection = engine.connect()
            try:
                connection.execute(insert, {"customer": customer, "address": address, "yes": True})
                raise AssertionError(f"({customer}, {address}) was accepted")
            except Exception as error:  # IntegrityError, wrapped per driver
                assert "unique" in str(error).lower() or "duplicate" in str(error).lower()
            finally:
                connection.rollback()
                connection.close()

        command.downgrade(config, "0008")
        assert "customer_channels" not in inspect(engine).get_table_names()
        assert "message_ref" not in _columns(engine, "survey_sessions")
        with engine.connect() as connection:
            assert _counts(connection) == before
            customers = connection.execute(
                text(
                    "SELECT id, telegram_chat_id, telegram_user_id, telegram_linked_at,"
                    " unreachable, unreachable_at FROM customers ORDER BY id"
                )
            ).all()
            assert [(r[0], r[1], r[2], bool(r[4])) for r in customers] == [
                (1, 5_000_000_001, 77, False),
                (2, -1001234567890, None, True),
                (3, 42, None, False),
                (4, None, None, False),
            ]
            assert [_when(r[3]) if r[3] else None for r in customers] == [
                LINKED,
                LINKED,
                None,
                None,
            ]
            assert [_when(r[5]) if r[5] else None for r in customers] == [None, BLOCKED, None, None]
            refs = connection.execute(
                text("SELECT id, telegram_message_id FROM survey_sessions ORDER BY id")
            ).all()
            assert [tuple(r) for r in refs] == [(10, 9_876_543_210), (11, None)]
            posts = connection.execute(
                text("SELECT id, slack_channel, slack_ts FROM follow_ups ORDER BY id")
            ).all()
            assert [tuple(r) for r in posts] == [
                (20, "C0ALERTS", "1733400000.000100"),
                (21, None, None),
            ]
        # ...and up again: the round trip is repeatable.
        command.upgrade(config, "0009")
        with engine.connect() as connection:
            assert (
                connection.execute(text("SELECT count(*) FROM customer_channels")).scalar_one() == 3
            )
    finally:
        engine.dispose()
