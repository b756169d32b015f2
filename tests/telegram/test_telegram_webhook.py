"""Webhook mode: the Starlette route checks Telegram's secret header before anything else."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import tg_updates as tg
from bot_harness import make_customer
from fake_bot_api import FakeBotApi
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

import handlers.telegram as telegram_edge
from bot.services import Services
from bot.telegram_app import BotApplication, TelegramBot, build_application, build_service
from bot.web import WebServer
from config import Settings
from surveys.i18n import builtin_catalog
from surveys.intake import Intake

SECRET = "webhook-secret-5d1f0b7a9c3e"
T = builtin_catalog().text


@pytest.fixture
async def webhook_app(
    settings: Settings, factory: sessionmaker[Session]
) -> AsyncIterator[tuple[httpx.AsyncClient, BotApplication]]:
    application = build_application(settings)
    telegram_edge.register(application, build_service(settings, factory))
    await application.initialize()
    await application.start()
    intake = Intake(factory, telegram_edge.INTAKE_SOURCE, telegram_edge.handler(application))
    intake.start()
    route = telegram_edge.webhook_route(application, SECRET, intake, ready=lambda: True)
    transport = httpx.ASGITransport(app=Starlette(routes=[route]))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            yield client, application
    finally:
        await intake.stop()
        await application.stop()
        await application.shutdown()


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {"X-Telegram-Bot-Api-Secret-Token": ""}],
)
async def test_webhook_without_the_secret_is_forbidden(
    webhook_app: tuple[httpx.AsyncClient, BotApplication], api: FakeBotApi, headers: dict[str, str]
) -> None:
    client, _ = webhook_app
    update = {"update_id": 1, **tg.command(4242, "/help")}
    response = await client.post("/telegram/webhook", json=update, headers=headers)
    assert response.status_code == 403
    assert api.sent(4242) == []


async def test_webhook_with_the_secret_is_handled(
    webhook_app: tuple[httpx.AsyncClient, BotApplication], api: FakeBotApi
) -> None:
    client, _ = webhook_app
    headers = {telegram_edge.SECRET_HEADER: SECRET}
    update = {"update_id": 7, **tg.command(4243, "/help", language="da")}
    assert (await client.post("/telegram/webhook", json=update, headers=headers)).status_code == 200
    # Telegram retries a webhook it thinks failed: the same update is handled once.
    assert (await client.post("/telegram/webhook", json=update, headers=headers)).status_code == 200
    bad = await client.post("/telegram/webhook", content=b"[1, 2", headers=headers)
    assert bad.status_code == 400
    await api.wait_sent(4243, 1)
    assert api.texts(4243) == [T("da", "help.not_linked")]
    assert (await client.get("/telegram/webhook")).status_code == 405


async def _healthy() -> tuple[bool, dict[str, object]]:
    return True, {}


async def test_run_in_webhook_mode_serves_and_registers_the_webhook(
    settings: Settings, factory: sessionmaker[Session], api: FakeBotApi
) -> None:
    webhook = settings.replaced(
        telegram_mode="webhook",
        telegram_webhook_url="https://bot.example.com/telegram/webhook",
        telegram_webhook_secret=SECRET,
        http_port=0,
    )
    who = make_customer(factory, "w1", "en")
    bot = TelegramBot(Services(webhook, factory=factory))
    web = WebServer(webhook, bot.routes(), _healthy)
    await web.start()  # as `run` does: the route listens before setWebhook is called
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{web.port}") as client:
            headers = {telegram_edge.SECRET_HEADER: SECRET}
            update = {"update_id": 1, **tg.command(4244, "/help")}
            early = await client.post("/telegram/webhook", json=update, headers=headers)
            assert early.status_code == 503  # not running yet: Telegram delivers it again
            detail = await bot.start()
            assert detail == (
                "webhook https://bot.example.com/telegram/webhook as @retention_test_bot, "
                "served at /telegram/webhook"
            )
            registered = api.calls_to("setWebhook")[-1].params
            assert registered["url"] == "https://bot.example.com/telegram/webhook"
            assert registered["secret_token"] == SECRET
            assert api.calls_to("getUpdates") == []
            denied = await client.post("/telegram/webhook", json=update)
            assert denied.status_code == 403
            ok = await client.post("/telegram/webhook", json=update, headers=headers)
            assert ok.status_code == 200
            await api.wait_sent(4244, 1)
            assert who
    finally:
        await web.stop()
        await bot.stop()
