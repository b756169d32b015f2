"""A detractor's answer from another survey tool, posted to the API, alerts staff in Slack
like one given in Telegram; a back-filled old answer does not."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from run_process import API_KEY
from slack_fake_api import TOKEN as SLACK_TOKEN
from slack_fake_api import FakeSlackApi
from slack_requests import SECRET as SIGNING_SECRET

from bot.commands.run import components, serve
from bot.context import AppContext
from bot.web import WebServer
from config import load_settings
from storage import schema
from storage.database import make_engine

ALERTS = "C0ALERTS01"


async def test_a_recent_detractor_posted_to_the_api_raises_one_slack_alert(
    slack_api: FakeSlackApi, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'run.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    settings = load_settings(
        database_url=url, http_port=0, api_keys=API_KEY, slack_bot_token=SLACK_TOKEN,
        slack_api_url=slack_api.base_url, slack_mode="http",
        slack_signing_secret=SIGNING_SECRET, slack_alerts_channel=ALERTS,
        slack_allowed_users="U0ALLOWED1",
    )  # fmt: skip
    slots = components(AppContext(_settings=settings))
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(slots, stopping))
    now = datetime.now(UTC)
    try:
        while not all(s.state == "running" for s in slots if s.component is not None):
            assert not task.done(), task.exception()
            await asyncio.sleep(0.02)
        web = slots[0].component
        assert isinstance(web, WebServer)
        headers = {"Authorization": f"Bearer {API_KEY}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{web.port}") as client:
            customers = [
                {"external_id": "t-1", "name": "Typeform Fan", "signed_up_at": "2026-01-01"},
                {"external_id": "t-2", "name": "Old Timer", "signed_up_at": "2025-01-01"},
            ]
            assert (await client.post("/api/customers", json=customers, headers=headers)).is_success
            responses = [
                {"response_id": "tf-1", "external_id": "t-1", "survey": "nps", "score": 2,
                 "comment": "Support never answers our tickets",
                 "answered_at": (now - timedelta(minutes=5)).isoformat()},
                {"response_id": "tf-2", "external_id": "t-2", "survey": "nps", "score": 1,
                 "comment": "Too expensive",
                 "answered_at": (now - timedelta(days=30)).isoformat()},
            ]  # fmt: skip
            stored = await client.post("/api/responses", json=responses, headers=headers)
            assert stored.status_code == 200, stored.text
            (alert,) = await slack_api.wait_calls("chat.postMessage", 1, timeout=15)
    finally:
        stopping.set()
        await asyncio.wait_for(task, 30)
    text = json.dumps(alert.params, ensure_ascii=False)
    assert alert.params["channel"] == ALERTS
    assert "Typeform Fan" in text and "Support never answers our tickets" in text
    posted = slack_api.calls_to("chat.postMessage", ok_only=False)
    assert len(posted) == 1  # the month-old answer is history: no alert
