"""Fixtures for the Slack tests: the fake Slack Web API, settings that point at it, and the
real Slack app (bolt + Starlette) served by uvicorn on 127.0.0.1 with a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_fake_api import TOKEN, FakeSlackApi
from slack_people import ALERTS, ALLOWED, COLLEAGUE, DIGEST, GROUP_MEMBER, MANAGER, USERGROUP
from slack_requests import SECRET
from slack_seed import NOW, TIMEZONE
from sqlalchemy.orm import Session, sessionmaker

from bot.services import Services
from bot.slack_app import SlackBot
from bot.web import WebServer
from config import Settings, load_settings


@pytest.fixture
def slack_api(slack_api: FakeSlackApi) -> FakeSlackApi:
    """The root fixture's server, with the staff user group these tests use."""
    slack_api.usergroups[USERGROUP] = [GROUP_MEMBER]
    return slack_api


@pytest.fixture
def slack_settings(database_url: str, slack_api: FakeSlackApi) -> Settings:
    return load_settings(
        database_url=database_url,
        timezone=TIMEZONE,
        slack_bot_token=TOKEN,
        slack_api_url=slack_api.base_url,
        slack_signing_secret=SECRET,
        slack_mode="http",
        http_host="127.0.0.1",
        http_port=0,
        slack_alerts_channel=ALERTS,
        slack_digest_channel=DIGEST,
        slack_allowed_users=f"{ALLOWED},{COLLEAGUE},{MANAGER}",
        slack_allowed_usergroups=USERGROUP,
        slack_follow_up_managers=MANAGER,
    )


@pytest.fixture
async def slack_bot(
    slack_settings: Settings, factory: sessionmaker[Session]
) -> AsyncIterator[SlackBot]:
    bot = SlackBot(
        Services(slack_settings, factory=factory), clock=lambda: NOW, pace=0.02, sweep_every=3600
    )
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def _healthy() -> tuple[bool, dict[str, object]]:
    return True, {}


@pytest.fixture
async def slack_web(slack_bot: SlackBot, slack_settings: Settings) -> AsyncIterator[WebServer]:
    """The HTTP server `run` would start, serving this bot's /slack/events."""
    web = WebServer(slack_settings, slack_bot.routes(), _healthy)
    await web.start()
    try:
        yield web
    finally:
        await web.stop()


@pytest.fixture
def events_url(slack_web: WebServer) -> str:
    return f"http://127.0.0.1:{slack_web.port}/slack/events"
