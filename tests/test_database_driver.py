"""A PostgreSQL DATABASE_URL works out of the box, and a missing driver is one line.

The driver used to be an extra: a newcomer who set DATABASE_URL=postgresql://... after a
plain `pip install` got a 49-line traceback ending in "No module named 'psycopg'". It is a
main dependency now (the `postgres` extra stays, so `.[dev,postgres]` still installs), and
an install without it still gets one line naming the command that fixes it.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from storage.database import make_engine
from storage.errors import DatabaseUnavailable

REPO = Path(__file__).resolve().parents[1]


def test_the_driver_is_a_main_dependency_and_the_extra_still_exists() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    postgres_extra = project["optional-dependencies"]["postgres"]
    assert any(dep.startswith("psycopg[binary]") for dep in project["dependencies"])
    assert any(dep.startswith("psycopg[binary]") for dep in postgres_extra)


@pytest.fixture
def no_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    """`import psycopg` fails, as in an install without the driver."""
    monkeypatch.setitem(sys.modules, "psycopg", None)


@pytest.mark.usefixtures("no_psycopg")
def test_a_missing_driver_is_one_line_with_the_install_command() -> None:
    env = {"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test"}
    result = CliRunner().invoke(main, ["metrics"], env=env)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: DATABASE_URL is a PostgreSQL URL but the driver (psycopg) is not installed: "
        'pip install "retention-bot[postgres]"\n'
    )


@pytest.mark.usefixtures("no_psycopg")
def test_make_engine_names_the_driver() -> None:
    with pytest.raises(DatabaseUnavailable, match=r'pip install "retention-bot\[postgres\]"'):
        make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")


def test_another_driver_in_the_url_is_one_line() -> None:
    env = {"DATABASE_URL": "postgresql+nosuchdriver://postgres@127.0.0.1:5432/test"}
    result = CliRunner().invoke(main, ["metrics"], env=env)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: DATABASE_URL names the unknown driver postgresql+nosuchdriver; "
        "use postgresql:// (psycopg) or sqlite:///\n"
    )
