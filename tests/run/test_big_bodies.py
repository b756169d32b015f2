"""Unauthenticated big bodies against `retention-bot run`: refused before they are read.

The server runs as its own process (so its memory is its own) with Slack in HTTP mode, the
API on and the Telegram bot in webhook mode; its log goes to a file. A 60 MB body without a
signature or a key, sent whole or chunked, must be answered 401/403/413 while the server's
peak memory (VmHWM) grows by less than 40 MB and its log by less than 1 MB. Before the
limits, one chunked 60 MB body to /slack/events raised the peak by 360 MiB and wrote 63 MB
(the body) to the log; sent whole with a `payload=` prefix it was a 500 after 181 MiB. The
Telegram webhook refuses a body without its secret unread (403) and, with the secret, a
20 MB chunked body once 1 MB has been read (413).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fake_bot_api import TOKEN as BOT_TOKEN
from fake_bot_api import FakeBotApi
from logged_process import ServerProcess
from run_process import API_KEY, LINK_SECRET, WEBHOOK_SECRET
from slack_fake_api import TOKEN as SLACK_TOKEN
from slack_fake_api import FakeSlackApi
from slack_requests import SECRET as SIGNING_SECRET

from storage import schema
from storage.database import make_engine

BIG = 60 * 1024 * 1024
CHUNK = 64 * 1024
MAX_RSS_GROWTH = 40 * 1024 * 1024
MAX_LOG_GROWTH = 1024 * 1024
NOW = "now"  # a header value replaced by the current unix time when the request is sent


@pytest.fixture
async def server(
    slack_api: FakeSlackApi, api: FakeBotApi, tmp_path: Path
) -> AsyncIterator[ServerProcess]:
    url = f"sqlite:///{tmp_path / 'run.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    process = ServerProcess(
        {
            "DATABASE_URL": url,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": "0",
            "API_KEYS": API_KEY,
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_API_URL": slack_api.base_url,
            "SLACK_MODE": "http",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_ALLOWED_USERS": "U0ALLOWED1",
            "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "LINK_SECRET": LINK_SECRET,
            "TELEGRAM_MODE": "webhook",
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/telegram/webhook",
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        },
        tmp_path,
    )
    try:
        await process.start()
        yield process
    finally:
        await process.stop()


def _whole(size: int = BIG) -> bytes:
    return b"payload=" + b"x" * (size - 8)


async def _chunks(size: int = BIG) -> AsyncIterator[bytes]:
    block = b"y" * CHUNK
    for _ in range(size // CHUNK):
        yield block
        await asyncio.sleep(0)


def _cases() -> Iterator[tuple[str, str, dict[str, str], bool, set[int]]]:
    """(id, path, headers, chunked, accepted statuses); 60 MB unless the id says 20mb."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    json_type = {"Content-Type": "application/json"}
    forged = {**form, "X-Slack-Request-Timestamp": NOW, "X-Slack-Signature": "v0=" + "0" * 64}
    keyed = {**json_type, "Authorization": f"Bearer {API_KEY}"}
    yield "slack-unsigned", "/slack/events", form, False, {401}
    yield "slack-unsigned-chunked", "/slack/events", form, True, {401}
    yield "slack-forged-chunked", "/slack/events", forged, True, {413}
    yield "api-no-key", "/api/events", json_type, False, {401}
    yield "api-no-key-chunked", "/api/events", json_type, True, {401}
    yield "api-key-whole", "/api/events", keyed, False, {413}
    yield "api-key-chunked", "/api/events", keyed, True, {413}  # read up to 20 MB, no more
    telegram = {**json_type, "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    yield "telegram-no-secret", "/telegram/webhook", json_type, False, {403}
    yield "telegram-no-secret-chunked", "/telegram/webhook", json_type, True, {403}
    yield "telegram-secret-chunked-20mb", "/telegram/webhook", telegram, True, {413}


CASES = list(_cases())


@pytest.mark.parametrize(
    ("name", "path", "headers", "chunked", "statuses"),
    CASES,
    ids=[case[0] for case in CASES],
)
async def test_a_60_mb_body_is_refused_without_being_read_or_logged(
    server: ServerProcess,
    name: str,
    path: str,
    headers: dict[str, str],
    chunked: bool,
    statuses: set[int],
) -> None:
    size = 20 * 1024 * 1024 if name.endswith("20mb") else BIG
    headers = {k: str(int(time.time())) if v == NOW else v for k, v in headers.items()}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        # One small request first, so what the first request loads is in the baseline.
        warm = await client.post(path, content=b"x", headers=headers)
        assert warm.status_code in {400, 401, 403, 413, 415}, warm.text
        await asyncio.sleep(0.2)
        memory, log = server.memory(), server.log_size()
        content = _chunks(size) if chunked else _whole(size)
        started = time.monotonic()
        response = await client.post(path, content=content, headers=headers)
        elapsed = time.monotonic() - started
    await asyncio.sleep(0.5)  # whatever the server still does with it
    grown, logged = server.memory() - memory, server.log_size() - log
    print(f"{path} chunked={chunked}: {response.status_code} in {elapsed:.2f} s, "
          f"peak RSS +{grown / 2**20:.1f} MiB, log +{logged} bytes")  # fmt: skip
    assert response.status_code in statuses, response.text[:200]
    assert grown < MAX_RSS_GROWTH, f"peak RSS grew by {grown / 2**20:.1f} MiB"
    assert logged < MAX_LOG_GROWTH, f"the log grew by {logged} bytes"
