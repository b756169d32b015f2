"""Only answers from the last 48 hours, and not from the future, posted to the API alert.

A survey tool's response dated 9999-12-31 used to raise a live Slack alert, as did any
date after now: the window had no upper end. Now `insights.alerts.alert_window` decides,
with a few minutes' allowance for a clock running fast.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from api_and_slack import api_and_slack
from run_process import api_headers
from slack_fake_api import FakeSlackApi
from sqlalchemy import Engine

from insights.alerts import ALERT_WINDOW, CLOCK_SKEW, alert_window

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_the_window_is_the_last_48_hours_plus_a_few_minutes_of_skew() -> None:
    window = alert_window(NOW)
    assert (window.earliest, window.latest) == (NOW - timedelta(hours=48), NOW + CLOCK_SKEW)
    assert ALERT_WINDOW.total_seconds() == 48 * 3600
    assert 0 < CLOCK_SKEW.total_seconds() <= 600


async def test_future_and_old_answers_posted_to_the_api_raise_no_alert(
    slack_api: FakeSlackApi, database_url: str, engine: Engine
) -> None:
    now = datetime.now(UTC)
    answered = {
        "just-now": (now - timedelta(minutes=5)).isoformat(),
        "fast-clock": (now + timedelta(minutes=2)).isoformat(),  # within the skew: alerts
        "day-9999": "9999-12-31",
        "in-an-hour": (now + timedelta(hours=1)).isoformat(),
        "three-days-ago": (now - timedelta(days=3)).isoformat(),
    }
    async with api_and_slack(slack_api, database_url, timezone="UTC") as client:
        headers = api_headers()
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
    posted = [json.dumps(c.params) for c in slack_api.calls_to("chat.postMessage", ok_only=False)]
    alerted = sorted(name for name in answered if any(f"Customer {name}" in p for p in posted))
    assert alerted == ["fast-clock", "just-now"]
    assert len(posted) == 2
