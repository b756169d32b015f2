"""`retention-bot run`'s parts in this process with the API and Slack (HTTP mode) on: the
set-up the tests of alerts raised by answers posted to the API share."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from run_process import API_KEY
from slack_fake_api import TOKEN as SLACK_TOKEN
from slack_fake_api import FakeSlackApi
from slack_requests import SECRET as SIGNING_SECRET

from bot.commands.run import components, serve
from bot.context import AppContext
from bot.web import WebServer
from config import load_settings

ALERTS = "C0ALERTS01"


@contextlib.asynccontextmanager
async def api_and_slack(
    slack_api: FakeSlackApi, database_url: str, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """Serve the API with Slack alerts to ALERTS until the block ends; a client for it."""
    values = dict(
        database_url=database_url, http_port=0, api_keys=API_KEY, slack_bot_token=SLACK_TOKEN,
        slack_api_url=slack_api.base_url, slack_mode="http",
        slack_signing_secret=SIGNING_SECRET, slack_alerts_channel=ALERTS,
        slack_allowed_users="U0ALLOWED1",
    )  # fmt: skip
    app = AppContext(_settings=load_settings(**values, **settings))
    slots = components(app)
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(slots, stopping))
    try:
        while not all(s.state == "running" for s in slots if s.component is not None):
            assert not task.done(), task.exception()
            await asyncio.sleep(0.02)
        web = slots[0].component
        assert isinstance(web, WebServer)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{web.port}") as client:
            yield client
    finally:
        stopping.set()
        await asyncio.wait_for(task, 30)
        app.close()
