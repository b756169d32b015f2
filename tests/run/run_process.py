"""`retention-bot run` as a real process, and webhook updates posted to it."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from itertools import count
from pathlib import Path
from typing import Any

import httpx
from fake_bot_api import TOKEN as BOT_TOKEN
from fake_bot_api import FakeBotApi

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
