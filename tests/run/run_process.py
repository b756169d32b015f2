"""`retention-bot run` as a real process, and webhook updates posted to it."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import tg_updates as tg
from fake_bot_api import TOKEN as BOT_TOKEN
from fake_bot_api import FakeBotApi
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Customer, SurveySession
from surveys.linking import issue_token

WEBHOOK_SECRET = "run-test-webhook-secret-7c1e9a"
LINK_SECRET = "run-test-link-secret-0b5d8f2a6c4e9173"
API_KEY = "run-test-api-key-3f8a1c6e9b2d4f7a0c5e8b1d"
_update_ids = count(1000)


def telegram_env(api: FakeBotApi, database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "LINK_SECRET": LINK_SECRET,
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": "0",
        "API_KEYS": API_KEY,
    }


class RunProcess:
    """Starts `retention-bot run`, reads its component lines, stops it with a signal."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
        self.env = {**keep, **env}
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self.port: int | None = None

    async def start(self, components: int = 5) -> list[str]:
        self.process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "retention-bot"),
            "run",
            env=self.env,
            cwd=self.cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        for _ in range(components):
            line = await asyncio.wait_for(self.process.stdout.readline(), 60)
            if not line:
                _, err = await self.process.communicate()
                raise AssertionError(f"run exited early: {err.decode()}")
            self.lines.append(line.decode().rstrip("\n"))
        for line in self.lines:
            found = re.match(r"http: started \(http://127\.0\.0\.1:(\d+) ", line)
            if found:
                self.port = int(found.group(1))
        return self.lines

    @property
    def url(self) -> str:
        assert self.port is not None, "the HTTP server did not start"
        return f"http://127.0.0.1:{self.port}"

    async def stop(self, signal_number: int) -> tuple[int, str, str]:
        assert self.process is not None
        self.process.send_signal(signal_number)
        out, err = await asyncio.wait_for(self.process.communicate(), 60)
        assert self.process.returncode is not None
        return self.process.returncode, out.decode(), err.decode()

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def post_update(client: httpx.AsyncClient, update: dict[str, Any]) -> httpx.Response:
    """POST one Telegram update to the webhook, as Telegram does (with the secret header)."""
    body = {"update_id": next(_update_ids), **update}
    return await client.post(
        "/telegram/webhook",
        json=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )


def api_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}"}


async def customers_with_exit_interviews(
    client: httpx.AsyncClient,
    api: FakeBotApi,
    factory: sessionmaker[Session],
    first_chat: int,
    customers: int,
    prefix: str,
    timeout: float,
) -> dict[int, int]:
    """`customers` customers (external ids `<prefix>-<n>`) created through the API, each
    linked to chat `first_chat + n` with /start, then cancelled, so each is sent an exit
    interview; chat -> its survey session."""
    people = [
        {"external_id": f"{prefix}-{n}", "language": "en", "signed_up_at": "2026-01-01"}
        for n in range(customers)
    ]
    created = await client.post("/api/customers", json=people, headers=api_headers())
    assert created.json()["inserted"] == customers
    with factory() as session:
        ids = dict(session.execute(select(Customer.external_id, Customer.id)).all())
    now = datetime.now(UTC)
    chats = {first_chat + n: ids[f"{prefix}-{n}"] for n in range(customers)}
    for chat, customer in chats.items():
        token = issue_token(LINK_SECRET, customer, now, timedelta(days=1))
        assert (await post_update(client, tg.command(chat, f"/start {token}"))).status_code == 200
    await api.wait_for(lambda: all(api.sent(c) for c in chats), timeout=timeout, what="every link")
    cancellations = [
        {"event_id": f"{prefix}x-{n}", "external_id": f"{prefix}-{n}",
         "type": "subscription_cancelled", "occurred_at": now.isoformat()}
        for n in range(customers)
    ]  # fmt: skip
    sent = await client.post("/api/events", json=cancellations, headers=api_headers())
    assert sent.status_code == 200
    await api.wait_for(
        lambda: all(len(api.sent(c)) >= 2 for c in chats),
        timeout=timeout,
        what="every exit interview",
    )
    with factory() as session:
        surveys = dict(
            session.execute(
                select(SurveySession.customer_id, SurveySession.id).where(
                    SurveySession.survey == "exit"
                )
            ).all()
        )
    return {chat: surveys[customer] for chat, customer in chats.items()}
