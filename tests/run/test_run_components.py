"""`run` starts and stops cleanly with each combination of configured parts.

In-process (the same `components()` and `serve()` the command runs), against the test
Telegram and Slack servers: every configured part reaches "running", /healthz (when there
is an HTTP server) says so, and on stop every part is "stopped" with the HTTP server
stopped first. The not-configured parts each get one line saying why.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_bot_api import TOKEN as BOT_TOKEN
from fake_bot_api import FakeBotApi
from run_process import API_KEY, LINK_SECRET, WEBHOOK_SECRET
from slack_fake_api import APP_TOKEN, FakeSlackApi
from slack_fake_api import TOKEN as SLACK_TOKEN
from slack_requests import SECRET as SIGNING_SECRET

from bot.commands.run import Slot, components, serve
from bot.context import AppContext
from bot.web import WebServer
from config import load_settings
from storage import schema
from storage.database import make_engine

TELEGRAM_POLLING = "telegram-polling"
TELEGRAM_WEBHOOK = "telegram-webhook"
SLACK_SOCKET = "slack-socket"
SLACK_HTTP = "slack-http"
API = "api"
DIGEST_ONLY = "digest-only"


def _settings(parts: set[str], api: FakeBotApi, slack: FakeSlackApi, url: str) -> dict[str, Any]:
    values: dict[str, Any] = {"database_url": url, "http_port": 0}
    if parts & {TELEGRAM_POLLING, TELEGRAM_WEBHOOK}:
        values |= {
            "telegram_bot_token": BOT_TOKEN,
            "telegram_api_base_url": api.base_url,
            "link_secret": LINK_SECRET,
        }
    if TELEGRAM_WEBHOOK in parts:
        values |= {
            "telegram_mode": "webhook",
            "telegram_webhook_url": "https://bot.example.com/telegram/webhook",
            "telegram_webhook_secret": WEBHOOK_SECRET,
        }
    if parts & {SLACK_SOCKET, SLACK_HTTP, DIGEST_ONLY}:
        values |= {"slack_bot_token": SLACK_TOKEN, "slack_api_url": slack.base_url}
    if parts & {SLACK_SOCKET, SLACK_HTTP}:
        values |= {"slack_allowed_users": "U0ALLOWED1", "slack_alerts_channel": "C0ALERTS01"}
    if SLACK_SOCKET in parts:
        values |= {"slack_mode": "socket", "slack_app_token": APP_TOKEN}
    if SLACK_HTTP in parts:
        values |= {"slack_mode": "http", "slack_signing_secret": SIGNING_SECRET}
    if DIGEST_ONLY in parts:
        values |= {"slack_digest_channel": "C0DIGEST01"}
    if API in parts:
        values |= {"api_keys": API_KEY}
    return values


CASES = {
    "telegram polling": ({TELEGRAM_POLLING}, {"telegram", "scheduler"}),
    "telegram webhook": ({TELEGRAM_WEBHOOK}, {"http", "telegram", "scheduler"}),
    "slack socket mode": ({SLACK_SOCKET}, {"slack"}),
    "slack http mode": ({SLACK_HTTP}, {"http", "slack"}),
    "api only": ({API}, {"http", "api"}),
    "digest only": ({DIGEST_ONLY}, {"scheduler"}),
    "polling + socket + api": (
        {TELEGRAM_POLLING, SLACK_SOCKET, API},
        {"http", "slack", "telegram", "api", "scheduler"},
    ),
    "everything over http": (
        {TELEGRAM_WEBHOOK, SLACK_HTTP, API, DIGEST_ONLY},
        {"http", "slack", "telegram", "api", "scheduler"},
    ),
}


async def _until(condition: Any, what: str, timeout: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("case", list(CASES))
async def test_run_starts_and_stops_each_combination(
    case: str,
    api: FakeBotApi,
    slack_api: FakeSlackApi,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    parts, expected = CASES[case]
    url = f"sqlite:///{tmp_path / 'run.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    app = AppContext(_settings=load_settings(**_settings(parts, api, slack_api, url)))
    slots = components(app)
    assert [s.name for s in slots] == ["http", "slack", "telegram", "api", "scheduler"]
    assert {s.name for s in slots if s.component is not None} == expected
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(slots, stopping))
    configured = [s for s in slots if s.component is not None]
    try:
        await _until(
            lambda: task.done() or all(s.state == "running" for s in configured), "start-up"
        )
        assert not task.done(), task.exception()
        web = slots[0].component
        if isinstance(web, WebServer):
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{web.port}") as client:
                health = await client.get("/healthz")
            assert health.status_code == 200, health.text
            states = health.json()["components"]
            assert {name for name, state in states.items() if state == "running"} == expected
            assert health.json()["database"]["schema"] == "current"
    finally:
        stopping.set()
        await asyncio.wait_for(task, 30)
    assert all(s.state == "stopped" for s in configured)
    out = capsys.readouterr().out.splitlines()
    started = [line.split(":")[0] for line in out if ": started (" in line]
    assert started == [s.name for s in slots if s.component is not None]
    for slot in slots:
        if slot.component is None:
            assert f"{slot.name}: not configured ({slot.why_not})" in out
    stopped = [line.split(":")[0] for line in out if line.endswith(": stopped")]
    expected_order = [s.name for s in reversed(configured)]
    if "http" in expected:  # the HTTP server stops first, the rest in reverse order
        expected_order = ["http"] + [n for n in expected_order if n != "http"]
    assert stopped == expected_order


async def test_a_taken_port_is_one_line_and_nothing_is_left_running(
    api: FakeBotApi, slack_api: FakeSlackApi, tmp_path: Path
) -> None:
    import socket

    from bot.web import HttpUnavailable

    url = f"sqlite:///{tmp_path / 'run.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        values = _settings({API, TELEGRAM_POLLING}, api, slack_api, url) | {"http_port": port}
        slots: list[Slot] = components(AppContext(_settings=load_settings(**values)))
        with pytest.raises(HttpUnavailable, match=rf"cannot listen on 127.0.0.1:{port}"):
            await serve(slots, asyncio.Event())
    assert [(s.name, s.state) for s in slots] == [
        ("http", "failed"), ("slack", "not configured"), ("telegram", "waiting"),
        ("api", "waiting"), ("scheduler", "waiting"),
    ]  # fmt: skip
    assert api.calls_to("getUpdates") == []  # Telegram never started polling


async def test_healthz_says_when_a_started_part_stops_working(
    api: FakeBotApi, slack_api: FakeSlackApi, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'run.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    values = _settings({TELEGRAM_POLLING, API}, api, slack_api, url)
    slots = components(AppContext(_settings=load_settings(**values)))
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(slots, stopping))
    try:
        await _until(lambda: all(s.state == "running" for s in slots if s.component), "start")
        web, telegram = slots[0].component, slots[2].component
        assert isinstance(web, WebServer)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{web.port}") as client:
            assert (await client.get("/healthz")).status_code == 200
            await telegram.poller.stop()  # type: ignore[union-attr]  # as if polling had died
            health = await client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["components"]["telegram"] == "failing: polling has stopped"
    finally:
        stopping.set()
        await asyncio.wait_for(task, 30)
