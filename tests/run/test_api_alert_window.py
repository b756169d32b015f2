"""Only answers from the last 48 hours, and not from the future, posted to the API alert.

A survey tool's response dated 9999-12-31 used to raise a live Slack alert, as did any
date after now: the window had no upper end. Now `insights.alerts.alert_window` decides,
with a few minutes' allowance for a clock running fast.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
from run_process import API_KEY
from slack_fake_api import TOKEN as SLACK_TOKEN
from slack_fake_api import FakeSlackApi
from slack_requests import SECRET as SIGNING_SECRET
from sqlalchemy import Engine

from bot.commands.run import components, serve
from bot.context import AppContext
from bot.web import WebServer
from config import load_settings
from insights.alerts import ALERT_WINDOW, CLOCK_SKEW, alert_window

ALERTS = "C0ALERTS01"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_the_window_is_the_last_48_hours_plus_a_few_minutes_of_skew() -> None:
    window = alert_window(NOW)
    assert (window.earliest, window.latest) == (NOW - timedelta(hours=48), NOW + CLOCK_SKEW)
    assert ALERT_WINDOW.total_seconds() == 48 * 3600
    assert 0 < CLOCK_SKEW.total_seconds() <= 600


async def test_future_and_old_answers_posted_to_the_api_raise_no_alert(
    slack_api: FakeSlackApi, database_url: str, engine: Engine
) -> None:
    settings = load_settings(
        database_url=database_url, http_port=0, api_keys=API_KEY, slack_bot_token=SLACK_TOKEN,
        slack_api_url=slack_api.base_url, slack_mode="http",
        slack_signing_secret=SIGNING_SECRET, slack_alerts_channel=ALERTS,
        slack_allowed_users="U0ALLOWED1", timezone="UTC",
    )  # fmt: skip
    app = AppContext(_settings=settings)
    slots = components(app)
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(slots, stopping))
    now = datetime.now(UTC)
    answered = {
        "just-now": (now - timedelta(minutes=5)).isoformat(),
        "fast-clock": (now + timedelta(minutes=2)).isoformat(),  # within the skew: alerts
        "day-9999": "9999-12-31",
        "in-an-hour": (now + timedelta(hours=1)).isoformat(),
        "three-days-ago": (now - timedelta(days=3)).isoformat(),
    }
    try:
        while not all(s.state == "running" for s in slots if s.component is not None):
            assert not task.done(), task.exception()
            await asyncio.sleep(0.02)
        web = slots[0].component
        assert isinstance(web, WebServer)
        headers = {"Authorization": f"Bearer {API_KEY}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{web.port}") as client:
            customers = [
                {"external_id": name, "name": f"Customer {name}", "signed_up_at": "2026-01-01"}
                for name in answered
            ]
            assert (await client.post("/api/customers", json=customers, headers=headers)).is_success
            responses = [
                {"response_id": f"tf-{name}", "external_id": name, "survey": "nps", "score": 1,
                 "comment": "Too expensive", "answered_at": at}
                for name, at in answered.items()
            ]  # fmt: skip
            stored = await client.post("/api/responses", json=responses, headers=headers)
            # The year 9999 may be refused outright by the records' own range check (422
            # for that record alone); either way it must not alert.
            refused = [e["index"] for e in stored.json()["errors"]]
            assert refused in ([], [list(answered).index("day-9999")]), stored.text
            assert stored.json()["inserted"] == 5 - len(refused)
            await slack_api.wait_calls("chat.postMessage", 2, timeout=15)
            await asyncio.sleep(1.5)  # a third alert, if one were coming, at the 1 s pace
    finally:
        stopping.set()
        await asyncio.wait_for(task, 30)
        app.close()
    posted = [json.dumps(c.params) for c in slack_api.calls_to("chat.postMessage", ok_only=False)]
    alerted = sorted(name for name in answered if any(f"Customer {name}" in p for p in posted))
    assert alerted == ["fast-clock", "just-now"]
    assert len(posted) == 2
