"""The product as a new user meets it: the CLI, the bot, and a Bot API server on 127.0.0.1.

Link a customer, send a survey, answer it, restart the bot in the middle, answer again:
`retention-bot export responses` shows exactly one complete answer set.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from pathlib import Path

import pytest
import tg_updates as tg
from bot_harness import LINK_SECRET, Harness, make_customer
from click.testing import CliRunner, Result
from fake_bot_api import TOKEN, FakeBotApi, keyboard_data
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.commands.run import NO_HTTP
from builders import link
from config import load_settings
from storage import schema
from storage.database import make_engine, session_factory
from storage.models import Customer

CUSTOMERS = "external_id,name,email,language,signed_up_at\nc1,Анна,anna@example.com,ru,2026-01-05\n"


@pytest.fixture
def cli_env(api: FakeBotApi, database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "LINK_SECRET": LINK_SECRET,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


async def cli(*args: str) -> Result:
    """Run the CLI in a worker thread: its commands run their own event loops."""
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, main, list(args), catch_exceptions=False)


async def test_link_send_answer_restart_answer_export(
    cli_env: dict[str, str], api: FakeBotApi, tmp_path: Path
) -> None:
    assert (await cli("db", "upgrade")).exit_code == 0
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS, encoding="utf-8")
    assert (await cli("import", "customers", str(customers))).exit_code == 0

    linked = await cli("link", "c1")
    assert linked.exit_code == 0, linked.stderr
    match = re.fullmatch(
        r"https://t\.me/retention_test_bot\?start=([A-Za-z0-9_-]{1,64})\n", linked.stdout
    )
    assert match, linked.stdout
    unknown = await cli("link", "nobody")
    assert unknown.exit_code == 1 and "no customer" in unknown.stderr

    settings = load_settings()
    engine = make_engine(settings.database.url)
    harness = Harness(settings, session_factory(engine), api)
    await harness.start()
    try:
        chat = 31337
        await harness.send(tg.command(chat, f"/start {match[1]}", language="en"))
        assert "Готово" in api.texts(chat)[-1]  # greeted in the imported language

        sent = await cli("survey", "send", "nps", "--customer", "c1")
        assert sent.exit_code == 0, sent.stderr
        assert sent.stdout.startswith("sent nps to c1")
        score_nine = keyboard_data(api.last(chat))[9]
        await harness.send(tg.tap(chat, score_nine))

        await harness.restart()
        await harness.send(tg.text(chat, "Поддержка отвечает быстро"))
        assert api.texts(chat)[-1] == "Спасибо за ваш отзыв!"
    finally:
        await harness.stop()
        engine.dispose()

    exported = await cli("export", "responses", "--format", "jsonl")
    assert exported.exit_code == 0, exported.stderr
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(records) == 1
    (record,) = records
    assert (record["external_id"], record["survey"], record["status"]) == ("c1", "nps", "completed")
    assert (record["score"], record["comment"]) == (9, "Поддержка отвечает быстро")
    assert (record["channel"], record["language"]) == ("telegram", "ru")

    refused = await cli("survey", "send", "nps", "--customer", "c1")
    assert refused.exit_code == 1
    assert "within the 14-day cooldown" in refused.stderr
    assert "Traceback" not in refused.stderr


async def test_due_from_the_cli_respects_opt_out(
    cli_env: dict[str, str], api: FakeBotApi, factory: sessionmaker[Session]
) -> None:
    keen = make_customer(factory, "keen", "en")
    done = make_customer(factory, "done", "en")
    with factory() as session, session.begin():
        link(session, keen, 41)
        link(session, done, 42)
        session.execute(update(Customer).where(Customer.id == done).values(opted_out=True))
    result = await cli("survey", "send", "--due")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("sent 1 (nps 1)")
    assert [p["chat_id"] for p in api.sent()] == [41]

    refused = await cli("survey", "send", "csat", "--customer", "done")
    assert refused.exit_code == 1 and "opted out" in refused.stderr
    usage = await cli("survey", "send", "nps")
    assert usage.exit_code == 2


def _cli_process_env(extra: dict[str, str]) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "SYSTEMROOT"}}
    return {**keep, **extra}


async def test_run_starts_the_bot_and_stops_on_sigterm(api: FakeBotApi, tmp_path: Path) -> None:
    # Process start-up and signals, not storage: one SQLite database is enough here.
    url = f"sqlite:///{tmp_path / 'run.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    env = {
        "DATABASE_URL": url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "LINK_SECRET": LINK_SECRET,
    }
    executable = str(Path(sys.executable).parent / "retention-bot")
    process = await asyncio.create_subprocess_exec(
        executable,
        "run",
        env=_cli_process_env(env),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    lines = [(await asyncio.wait_for(process.stdout.readline(), 30)).decode() for _ in range(5)]
    assert lines[0] == f"http: not configured ({NO_HTTP})\n"
    assert lines[1] == "slack: not configured (SLACK_BOT_TOKEN is not set)\n"
    assert lines[2] == "telegram: started (polling as @retention_test_bot)\n"
    assert lines[3] == "api: not configured (API_KEYS is not set)\n"
    assert lines[4].startswith("scheduler: started (")
    await api.wait_for(lambda: bool(api.calls_to("getUpdates")), what="polling")
    process.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert out.decode() == "scheduler: stopped\ntelegram: stopped\n"


async def test_run_says_what_is_not_configured(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "retention-bot"),
        "run",
        env=_cli_process_env({"DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert out.decode() == (
        f"http: not configured ({NO_HTTP})\n"
        "slack: not configured (SLACK_BOT_TOKEN is not set)\n"
        "telegram: not configured (TELEGRAM_BOT_TOKEN is not set)\n"
        "api: not configured (API_KEYS is not set)\n"
        "scheduler: not configured (no digest destination and no Telegram bot to schedule)\n"
    )
    assert err.decode() == "error: nothing to run: no platform is configured\n"
    assert process.returncode == 2


async def test_a_refused_token_is_one_line_not_a_traceback(
    cli_env: dict[str, str], factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:revoked-token-the-api-does-not-know")
    result = await cli("run")
    assert result.exit_code == 2
    assert result.stderr == "error: Telegram refused TELEGRAM_BOT_TOKEN (revoked or mistyped?)\n"
    sent = await cli("survey", "send", "--due")
    assert sent.exit_code == 2 and "refused TELEGRAM_BOT_TOKEN" in sent.stderr
