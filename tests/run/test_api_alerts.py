"""A detractor's answer from another survey tool, posted to the API, alerts staff in Slack
like one given in Telegram; a back-filled old answer does not."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from api_and_slack import ALERTS, api_and_slack
from run_process import api_headers
from slack_fake_api import FakeSlackApi

from storage import schema
from storage.database import make_engine


async def test_a_recent_detractor_posted_to_the_api_raises_one_slack_alert(
    slack_api: FakeSlackApi, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'run.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    now = datetime.now(UTC)
    async with api_and_slack(slack_api, url) as client:
        headers = api_headers()
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
    text = json.dumps(alert.params, ensure_ascii=False)
    assert alert.params["channel"] == ALERTS
    assert "Typeform Fan" in text and "Support never answers our tickets" in text
    posted = slack_api.calls_to("chat.postMessage", ok_only=False)
    assert len(posted) == 1  # the month-old answer is history: no alert
