"""Engines and sessions, with the connection settings each database needs.

SQLite is the embedded default: it gets WAL (readers never block the writer, and a crash
mid-write loses nothing committed), foreign keys (off by default in SQLite!) and a busy
timeout so two processes wait for each other instead of failing. PostgreSQL goes through
psycopg 3, a main dependency; a missing driver is one line naming the install command.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import DatabaseUnavailable


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: large imports touch big indexes
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for `url`, creating the SQLite file's folder if needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise DatabaseUnavailable(
                        f"cannot create the folder for the SQLite database {database}: {error}"
                    ) from None
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    try:
        engine = create_engine(url, **kwargs)
    except ImportError as error:  # create_engine imports the URL's driver
        raise DatabaseUnavailable(_missing_driver(parsed.drivername, error)) from None
    except NoSuchModuleError:  # a driver name SQLAlchemy does not know
        raise DatabaseUnavailable(
            f"DATABASE_URL names the unknown driver {parsed.drivername}; "
            "use postgresql:// (psycopg) or sqlite:///"
        ) from None
    event.listen(engine, "connect", _postgres_utc)
    return engine


def _postgres_utc(dbapi_connection: Any, _record: Any) -> None:
    """Every session in UTC: timestamps are stored as UTC instants, and a server or role set
    to another zone made psycopg fail to read the extremes of the accepted range (a
    0001-01-01 stored before validation existed, west of UTC)."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.autocommit = autocommit


POSTGRES_INSTALL = 'pip install "retention-bot[postgres]"'


def _missing_driver(drivername: str, error: ImportError) -> str:
    """One line for a DATABASE_URL whose driver is not installed, with the fix.

    psycopg is a main dependency, but an install made with `--no-deps`, an older install
    or a trimmed image can lack it; the import error alone was a 49-line traceback.
    """
    module = error.name or "its driver"
    if drivername in ("postgresql", "postgresql+psycopg"):
        return (
            f"DATABASE_URL is a PostgreSQL URL but the driver ({module}) is not installed: "
            f"{POSTGRES_INSTALL}"
        )
    return (
        f"DATABASE_URL uses the driver {drivername}, whose module {module} is not installed; "
        "use postgresql:// (psycopg, installed with retention-bot) or sqlite:///"
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with factory() as session, session.begin():
        yield session


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
