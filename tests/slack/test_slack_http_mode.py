"""HTTP mode: /slack/events waits (503, Slack retries) until the app has started."""

from __future__ import annotations

from slack_fake_api import FakeSlackApi
from slack_people import ALERTS, ALLOWED
from slack_requests import command_body, post
from slack_seed import NOW
from sqlalchemy.orm import Session, sessionmaker

from bot.services import Services
from bot.slack_app import SlackBot
from bot.web import WebServer
from config import Settings


async def _healthy() -> tuple[bool, dict[str, object]]:
    return True, {}


async def test_events_before_start_are_503_then_handled(
    slack_settings: Settings, slack_api: FakeSlackApi, factory: sessionmaker[Session]
) -> None:
    bot = SlackBot(Services(slack_settings, factory=factory), clock=lambda: NOW, sweep_every=3600)
    web = WebServer(slack_settings, bot.routes(), _healthy)
    await web.start()
    try:
        url = f"http://127.0.0.1:{web.port}/slack/events"
        body = command_body("help", ALLOWED, ALERTS, slack_api.response_url("early"))
        early = await post(url, body)
        assert early.status_code == 503  # the token is not checked yet: not handled
        assert slack_api.calls_to("auth.test") == []
        await bot.start()
        assert (await post(url, body)).status_code == 200
        answer = await slack_api.wait_response("early")
        assert "/churn" in answer["blocks"][0]["text"]["text"]
    finally:
        await web.stop()
        await bot.stop()
