"""Schema revisions and settings: a stale database or a bad setting is one clear line."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import text

from bot.cli import main
from config import ConfigError, load_settings
from storage import schema
from storage.database import make_engine
from storage.models import Base


def test_models_match_migrations(engine):
    """Migrations are the schema; the ORM classes must describe exactly the same tables."""
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def _cli(database_url: str, *args: str):
    return CliRunner().invoke(main, list(args), env={"DATABASE_URL": database_url})


def test_empty_database_is_refused_with_the_fix(database_url):
    result = _cli(database_url, "metrics")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: the database has no schema yet; run `retention-bot db upgrade`"
    )


def test_database_behind_the_code_is_refused(database_url, monkeypatch):
    engine = make_engine(database_url)
    schema.upgrade(engine)
    engine.dispose()
    current = schema.head_revision()
    # The code moves ahead (a new migration ships); the database has not been upgraded.
    monkeypatch.setattr(schema, "head_revision", lambda: "0099")
    for command in (["metrics"], ["export", "responses"], ["import", "customers", "-"]):
        result = _cli(database_url, *command)
        assert result.exit_code == 2, command
        expected = f"schema is behind ({current}, needs 0099); run `retention-bot db upgrade`"
        assert expected in result.stderr
        assert "Traceback" not in result.stderr


def test_database_from_a_newer_version_is_refused(database_url):
    engine = make_engine(database_url)
    schema.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()
    result = _cli(database_url, "metrics")
    assert result.exit_code == 2
    assert "revision f00d, which this version of retention-bot does not know" in result.stderr


def test_upgrade_is_repeatable(database_url):
    assert "upgraded from empty" in _cli(database_url, "db", "upgrade").stdout
    assert "already at the current schema" in _cli(database_url, "db", "upgrade").stdout
    assert _cli(database_url, "db", "status").exit_code == 0


def test_processes_upgrading_at_once_all_succeed(database_url, tmp_path):
    """Replicas starting together each run `db upgrade`: one migrates, the others wait."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    executable = str(Path(sys.executable).parent / "retention-bot")
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": database_url}
    processes = [
        subprocess.Popen(
            [executable, "db", "upgrade"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )
        for _ in range(3)
    ]  # fmt: skip
    outcomes = [(p.wait(60), *p.communicate()) for p in processes]
    assert [code for code, _, _ in outcomes] == [0, 0, 0], outcomes
    engine = make_engine(database_url)
    try:
        schema.check_current(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TIMEZONE", "Mars/Base", "TIMEZONE: unknown IANA timezone 'Mars/Base'"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL: only sqlite:/// and postgresql://"),
        ("PAYMENT_GRACE_DAYS", "-1", "PAYMENT_GRACE_DAYS: Input should be greater than"),
        ("PAYMENT_GRACE_DAYS", "soon", "PAYMENT_GRACE_DAYS: Input should be a valid integer"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL: must be one of"),
    ],
)
def test_invalid_setting_is_one_line_exit_2(variable, value, message):
    result = CliRunner().invoke(main, ["metrics"], env={variable: value})
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {message}")


def test_settings_from_dotenv_and_normalised_urls(tmp_path):
    env = tmp_path / ".env"
    env.write_text("TIMEZONE=Europe/Copenhagen\nDATABASE_URL=postgres://u@h/db\n")
    settings = load_settings(env_file=env)
    assert settings.core.timezone == "Europe/Copenhagen"
    assert settings.database.url == "postgresql+psycopg://u@h/db"
    assert settings.inactivity_window is None


def test_require_names_the_missing_variable():
    settings = load_settings()
    with pytest.raises(ConfigError, match="INACTIVITY_CHURN_DAYS is not set"):
        settings.require("INACTIVITY_CHURN_DAYS")


def test_default_database_is_a_sqlite_file_in_the_working_directory(tmp_path):
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0
    assert (tmp_path / "retention.db").exists()
