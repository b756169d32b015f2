"""Socket Mode (the default): the same app over a WebSocket, no public URL, no HTTP server."""

from __future__ import annotations

import asyncio
import time

import pytest
from slack_fake_api import APP_TOKEN, FakeSlackApi
from slack_people import ALERTS, ALLOWED
from slack_seed import NOW
from sqlalchemy.orm import Session, sessionmaker

from bot.services import Services
from bot.slack_app import SlackBot, SlackUnavailable
from config import Settings


async def test_a_command_over_socket_mode_is_acked_and_answered(
    slack_settings: Settings, slack_api: FakeSlackApi, factory: sessionmaker[Session]
) -> None:
    settings = slack_settings.replaced(slack_mode="socket", slack_app_token=APP_TOKEN)
    bot = SlackBot(Services(settings, factory=factory), clock=lambda: NOW)
    assert await bot.start() == f"socket mode as @retention, alerts to {ALERTS}"
    try:
        assert bot.routes() == []  # nothing for the HTTP server in this mode
        deadline = time.monotonic() + 5
        while not slack_api.socket_connected and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        payload = {
            "token": "unused", "team_id": "T0TEAM0001", "team_domain": "test",
            "channel_id": ALERTS, "channel_name": "retention", "user_id": ALLOWED,
            "user_name": "ann", "command": "/churn", "text": "help", "api_app_id": "A0APP00001",
            "is_enterprise_install": "false", "response_url": slack_api.response_url("sock"),
            "trigger_id": "1.2.3",
        }  # fmt: skip
        await asyncio.to_thread(slack_api.send_envelope, "slash_commands", payload, "env-1")
        answer = await slack_api.wait_response("sock")
        assert "/churn at-risk [N] [plan:NAME]" in answer["blocks"][0]["text"]["text"]
        while not slack_api.socket_acks and time.monotonic() < deadline + 5:
            await asyncio.sleep(0.01)
        assert [ack["envelope_id"] for ack in slack_api.socket_acks] == ["env-1"]
    finally:
        await bot.stop()


async def test_a_refused_app_token_is_a_clear_error(
    slack_settings: Settings, slack_api: FakeSlackApi, factory: sessionmaker[Session]
) -> None:
    settings = slack_settings.replaced(slack_mode="socket", slack_app_token="xapp-1-A0-2-revoked")
    bot = SlackBot(Services(settings, factory=factory), clock=lambda: NOW)
    with pytest.raises(SlackUnavailable, match="SLACK_APP_TOKEN"):
        await bot.start()
    await bot.stop()
