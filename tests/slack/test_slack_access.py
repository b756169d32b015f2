"""Who gets an answer: only signed, fresh requests (401 otherwise), and only the team."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from slack_fake_api import FakeSlackApi
from slack_people import ALERTS, ALLOWED, GROUP_MEMBER, STRANGER, USERGROUP
from slack_requests import SECRET, block_action_body, command_body, post
from slack_seed import seed
from sqlalchemy.orm import Session, sessionmaker

CUSTOMER_NAMES = ("Acme", "Globex", "Hooli", "Stark", "Wayne", "Initech", "Tyrell")


BAD_SIGNATURES = [
    ("0" * 32, 0),  # signed with another secret: forged
    (SECRET, 6 * 60),  # signed right, but six minutes old: a replay
    (SECRET, -6 * 60),  # from the future
]


async def test_forged_or_stale_requests_get_401_and_nothing_else(
    events_url: str, slack_api: FakeSlackApi, factory: sessionmaker[Session]
) -> None:
    seed(factory)
    for secret, age in BAD_SIGNATURES:
        key = f"forged{age}"
        body = command_body("summary", ALLOWED, ALERTS, slack_api.response_url(key))
        response = await post(events_url, body, secret=secret, timestamp=int(time.time()) - age)
        assert response.status_code == 401
        click = block_action_body("alert_take", "1", ALLOWED, ALERTS, slack_api.response_url(key))
        response = await post(events_url, click, secret=secret, timestamp=int(time.time()) - age)
        assert response.status_code == 401
    await asyncio.sleep(0.3)  # a lazy listener, had one started, would have answered by now
    assert slack_api.responses == []
    assert not [c for c in slack_api.calls if c.method != "auth.test"]


async def test_unsigned_request_gets_401(events_url: str) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        response = await client.post(
            events_url,
            content=command_body("summary", ALLOWED, ALERTS, "http://127.0.0.1:9/r"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 401


async def test_someone_outside_the_team_is_refused_politely_and_logged(
    events_url: str,
    slack_api: FakeSlackApi,
    factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    seed(factory)
    caplog.set_level(logging.WARNING, logger="handlers.slack.access")
    for n, text in enumerate(["summary", "at-risk 50", "customer globex", "reasons"]):
        key = f"stranger{n}"
        response = await post(
            events_url, command_body(text, STRANGER, ALERTS, slack_api.response_url(key))
        )
        assert response.status_code == 200
        answer = await slack_api.wait_response(key)
        assert answer["response_type"] == "ephemeral"
        assert "only for the retention team" in answer["text"]
        assert not any(name in str(answer) for name in CUSTOMER_NAMES)
    assert sum(STRANGER in r.getMessage() for r in caplog.records) == 4
    # Buttons too: a click on an alert changes nothing and says why.
    click = block_action_body("alert_take", "1", STRANGER, ALERTS, slack_api.response_url("btn"))
    await post(events_url, click)
    answer = await slack_api.wait_response("btn")
    assert "only for the retention team" in answer["text"]
    assert slack_api.calls_to("chat.update") == []


async def test_user_group_members_are_allowed_and_membership_is_cached(
    events_url: str, slack_api: FakeSlackApi, factory: sessionmaker[Session]
) -> None:
    seed(factory)
    for n in range(2):
        key = f"member{n}"
        await post(
            events_url,
            command_body("summary 7d", GROUP_MEMBER, ALERTS, slack_api.response_url(key)),
        )
        answer = await slack_api.wait_response(key)
        assert "Retention summary" in answer["text"]
    lookups = slack_api.calls_to("usergroups.users.list")
    assert len(lookups) == 1 and lookups[0].params["usergroup"] == USERGROUP
