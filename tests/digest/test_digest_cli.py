"""`retention-bot digest` from the command line, and the settings it reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.commands.digest import digest_command
from bot.context import AppContext
from bot.digest_posting import destinations
from bot.services import Services
from builders import answer, at, customer, event
from config import ConfigError, load_settings
from insights.digest import IsoWeek
from storage import schema
from storage.database import make_engine, session_factory


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    with session_factory(engine)() as session, session.begin():
        people = [customer(session, at(1), mrr="20", name=f"P{i}") for i in range(10)]
        event(session, people[0], "subscription_cancelled", at(63))
        answer(session, people[1], "nps", 10, at(64))
    engine.dispose()
    yield {"DATABASE_URL": url, "TIMEZONE": "Europe/Copenhagen", "RETENTION_BENCHMARK": "IT"}


def digest(env: dict[str, str], *args: str):
    return CliRunner().invoke(main, ["digest", *args], env=env)


def test_dry_run_prints_each_format(env, tmp_path):
    text = digest(env, "--dry-run", "--week", "2026-W10")
    assert text.exit_code == 0, text.output
    assert text.stdout.startswith("Retention digest · week 10 · 2–8 Mar 2026\n")
    assert "Churn 10.0% · 1 customer lost" in text.stdout
    assert "typical in IT services" in text.stdout

    markdown = digest(env, "--week", "2026-W10", "--format", "markdown")  # dry run by default
    assert markdown.stdout.startswith("# Retention digest")

    chart = tmp_path / "chart.png"
    as_json = digest(env, "--dry-run", "--week", "2026-W10", "--format", "json", "--chart", chart)
    data = json.loads(as_json.stdout)
    assert data["week"] == "2026-W10" and data["lost_customers"] == 1 and data["nps"] == 100.0
    assert data["retention_benchmark"]["industry"] == "it"
    assert chart.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "2026-W60"], "Invalid value for --week: 2026 has no ISO week 60"),
        (["--week", "last week"], "is not an ISO week like 2026-W47"),
        (["--dry-run", "--post"], "choose one of --dry-run (print) and --post (send)"),
        (["--post", "--week", "2099-W01"], "2099-W01 has not happened yet"),
        (["--dry-run", "--week", "2099-W01"], "2099-W01 has not happened yet"),
        (["--post", "--chart", "x.png"], "--chart writes the chart of a --dry-run"),
    ],
)
def test_bad_options_are_one_clear_line(env, args, message):
    result = digest(env, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_chart_in_a_missing_folder_is_one_line_before_any_work(env, tmp_path):
    chart = tmp_path / "missing" / "dir" / "c.png"
    result = digest(env, "--dry-run", "--week", "2026-W10", "--chart", str(chart))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: cannot write {chart}: the folder {chart.parent} does not exist\n"
    )
    assert result.stdout == ""  # refused before the digest was composed and printed


def test_post_without_destinations_says_what_to_set(env):
    result = digest(env, "--post", "--week", "2026-W10")
    assert result.exit_code == 2
    assert "nothing to post to: set SLACK_DIGEST_CHANNEL" in result.stderr


def test_digest_settings():
    settings = load_settings(
        telegram_manager_chat_ids=" -1001234567890, 42 ,",
        retention_benchmark="Professional services",
        digest_cron="0  9 * * MON",
        slack_api_url="http://127.0.0.1:9/api",
    )
    assert settings.telegram.manager_chat_ids == [-1001234567890, 42]
    assert settings.digest.retention_benchmark == "professional_services"
    assert settings.digest.cron == "0 9 * * MON"
    assert settings.slack.api_url == "http://127.0.0.1:9/api/"
    defaults = load_settings()
    assert (defaults.digest.cron, defaults.telegram.manager_chat_ids) == ("0 9 * * mon", [])
    assert defaults.digest.retention_benchmark is None and defaults.slack.digest_channel is None


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DIGEST_CRON", "0 25 * * mon", "DIGEST_CRON: is not a crontab line"),
        ("DIGEST_CRON", "every monday", "DIGEST_CRON: is not a crontab line"),
        ("TELEGRAM_MANAGER_CHAT_IDS", "12,abc", "TELEGRAM_MANAGER_CHAT_IDS: must be comma"),
        ("SLACK_DIGEST_CHANNEL", "#retention", "SLACK_DIGEST_CHANNEL: must be a channel ID"),
        ("SLACK_BOT_TOKEN", "change-me", "SLACK_BOT_TOKEN: is a placeholder"),
        ("RETENTION_BENCHMARK", "farming", "RETENTION_BENCHMARK"),
        ("DIGEST_MISFIRE_GRACE_MINUTES", "0", "DIGEST_MISFIRE_GRACE_MINUTES"),
    ],
)
def test_bad_digest_settings_name_the_variable(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_a_destination_without_its_token_is_refused():
    with pytest.raises(ConfigError, match="SLACK_DIGEST_CHANNEL is set but SLACK_BOT_TOKEN"):
        destinations(load_settings(slack_digest_channel="C0123456"))
    with pytest.raises(ConfigError, match="TELEGRAM_MANAGER_CHAT_IDS is set but TELEGRAM_BOT"):
        destinations(load_settings(telegram_manager_chat_ids="5"))
    both = destinations(
        load_settings(
            slack_digest_channel="C0123456",
            slack_bot_token="xoxb-1-2-abcdef",
            telegram_manager_chat_ids="5,5,-7",
            telegram_bot_token="123456:" + "A" * 30,
        )
    )
    assert [p.destination for p in both] == ["slack:C0123456", "telegram:5", "telegram:-7"]


def test_this_week_is_printed_so_far_and_not_posted(env):
    week = IsoWeek.of(datetime.now(UTC), ZoneInfo("Europe/Copenhagen"))
    printed = digest(env, "--dry-run", "--week", str(week))
    assert printed.exit_code == 0, printed.output
    assert " · so far: " in printed.stdout.splitlines()[0]
    assert f"week {week} is still in progress; figures so far" in printed.stderr
    posted = digest(env, "--post", "--week", str(week))
    assert posted.exit_code == 2
    assert f"week {week} has not ended yet; --dry-run shows it so far" in posted.stderr


def test_the_default_week_follows_the_services_clock(env):
    """Without --week the digest is last full week by `Services.clock`, not the wall clock."""
    pinned = datetime(2026, 3, 11, 9, 30, tzinfo=UTC)  # Wednesday of 2026-W11
    settings = load_settings(
        database_url=env["DATABASE_URL"], timezone=env["TIMEZONE"], retention_benchmark="IT"
    )
    app = AppContext(_settings=settings, _services=Services(settings, clock=lambda: pinned))
    try:
        result = CliRunner().invoke(digest_command, ["--dry-run", "--format", "json"], obj=app)
    finally:
        app.close()
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["week"] == "2026-W10"


def test_a_chart_path_that_is_not_png_is_refused_before_any_work(env, tmp_path):
    result = digest(env, "--dry-run", "--chart", str(tmp_path / "chart.jpg"))
    assert result.exit_code == 2
    assert "chart.jpg should end in .png" in result.output
    assert not (tmp_path / "chart.jpg").exists()
