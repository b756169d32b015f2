"""Alembic environment: the engine comes from the caller, or from the settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine, text

from storage.models import Base

config = context.config
target_metadata = Base.metadata
LOCK_KEY = 0x72657465  # "rete": one advisory lock id for schema upgrades of this product


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    # Run from the `alembic` command line: read DATABASE_URL like the product does.
    from config import load_settings
    from storage.database import make_engine

    return make_engine(load_settings().database.url)


def run_migrations_offline() -> None:
    from config import load_settings

    context.configure(
        url=load_settings().database.url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """Switch SQLite's foreign keys, outside any transaction (inside one it is a no-op).

    Batch migrations rebuild a table (copy, DROP, rename); with foreign keys on, dropping
    `customers` would first delete every row and cascade to events, sessions, answers...
    SQLite's documented recipe for rebuilding a table turns them off, then checks.
    """
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    connection.commit()


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
            )
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    # Several processes may start at once (replicas, `compose up`): the
                    # first takes the lock and migrates; the others wait, then find nothing
                    # to do. Released at commit. (SQLite is one host's file: no such race.)
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY}
                    )
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:  # a migration bug: roll it all back
                        raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                _sqlite_foreign_keys(connection, on=True)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
