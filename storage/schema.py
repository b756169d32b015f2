"""Schema revisions: migrations are the only source of the schema.

`upgrade()` applies Alembic migrations; `check_current()` is run by every command before it
touches data, so a database left behind by an upgrade of the code is refused with the command
that fixes it instead of failing later on a missing column.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no cross-process lock for SQLite
    fcntl = None  # type: ignore[assignment]

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from storage.errors import DatabaseUnavailable, SchemaBehind, SchemaError
from storage.models import SchedulerJob

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
UPGRADE_HINT = "run `retention-bot db upgrade`"
SCHEDULER_JOBS_TABLE = SchedulerJob.__tablename__  # APScheduler's job store lives here


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


@functools.cache
def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config_for_scripts())
    head = script.get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise SchemaError("no migrations are installed")
    return head


def alembic_config_for_scripts() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as error:
        raise DatabaseUnavailable(f"cannot open the database: {error.orig}") from None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations; safe when several processes start (and upgrade) at once.

    On PostgreSQL the migration environment takes an advisory lock; a SQLite file is
    locked here for the whole upgrade (flock, which SQLite's own locks do not touch), so
    a second process waits and then finds the schema current instead of migrating twice.
    """
    try:
        with _sqlite_file_lock(engine):
            command.upgrade(alembic_config(engine), revision)
    except OperationalError as error:
        raise DatabaseUnavailable(f"cannot open the database: {error.orig}") from None


@contextlib.contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or fcntl is None:
        yield
        return
    with open(database, "ab") as handle:  # an empty file is a valid new SQLite database
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class SchemaStatus:
    """Where the database's schema stands against this code's migrations."""

    revision: str | None  # the database's (None: no schema yet)
    head: str  # the code's
    state: Literal["current", "behind", "ahead"]  # ahead: a revision this code does not know


@functools.cache
def _known_revisions() -> frozenset[str]:
    script = ScriptDirectory.from_config(alembic_config_for_scripts())
    return frozenset(rev.revision for rev in script.walk_revisions())


def status(engine: Engine) -> SchemaStatus:
    """Raises DatabaseUnavailable when the database cannot be opened."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return SchemaStatus(current, head, "current")
    if current is None or current in _known_revisions():
        return SchemaStatus(current, head, "behind")
    return SchemaStatus(current, head, "ahead")


def check_current(engine: Engine) -> None:
    """Refuse to work on a database whose schema is not exactly the code's."""
    found = status(engine)
    current, head = found.revision, found.head
    if found.state == "current":
        return
    if current is None:
        raise SchemaBehind(f"the database has no schema yet; {UPGRADE_HINT}")
    if found.state == "ahead":
        raise SchemaError(
            f"the database is at revision {current}, which this version of retention-bot "
            "does not know (it was upgraded by a newer version); install that version"
        )
    raise SchemaBehind(f"the database schema is behind ({current}, needs {head}); {UPGRADE_HINT}")
