"""Any body posted to the webhook with the right secret: never a 5xx, never a crash later.

Generated Telegram-shaped updates (texts and button data of any Unicode, NULs, lone
surrogates, huge and negative ids, wrong types where objects belong, deep nesting, extra
fields) and garbage bodies go through the real route into the inbox and the real handlers.
The route answers 200 (stored), 400 (not an update) or 413 (too big), nothing else; every
stored update is then handled without an error: none is retried or parked, nothing is
logged at ERROR.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import tg_updates as tg
from fake_bot_api import FakeBotApi
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

import handlers.telegram as telegram_edge
from bot.telegram_app import build_application, build_service
from config import Settings
from storage import inbox
from surveys.intake import Intake

SECRET = "fuzz-webhook-secret-2b7e"
HEADERS = {telegram_edge.SECRET_HEADER: SECRET}

texts = st.text(max_size=300) | st.sampled_from(["\x00", "\ud800", "/start", "/start abc", " 7 "])
chat_ids = st.integers(min_value=-(2**63), max_value=2**63) | st.sampled_from([4401, 4402, -5])
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def updates(draw: st.DrawFn) -> Any:
    chat = draw(st.sampled_from([4401, 4402, 4403]))
    kind = draw(st.sampled_from(["text", "command", "tap", "sticker", "edited", "odd", "junk"]))
    if kind == "text":
        body: Any = tg.text(chat, draw(texts), draw(st.sampled_from(["en", "ru", None, "xx"])))
    elif kind == "command":
        body = tg.command(chat, "/" + draw(st.sampled_from(["start", "help", "forget", "stop"]))
                          + " " + draw(texts))  # fmt: skip
    elif kind == "tap":
        body = tg.tap(chat, draw(texts | st.sampled_from(["a:1:score:9", "s:99:comment"])))
    elif kind == "sticker":
        body = tg.sticker(chat)
    elif kind == "edited":
        body = tg.edited(chat, draw(texts))
    elif kind == "odd":  # the right shape with wrong types or values inside
        body = tg.text(chat, "x")
        body["message"][draw(st.sampled_from(["chat", "from", "text", "date"]))] = draw(anything)
    else:
        body = {draw(texts): draw(anything)}
    update_id = draw(
        st.integers(min_value=0, max_value=2**31)
        | st.sampled_from([-1, 2**63, True, "7", None, 1.5])
    )
    if isinstance(body, dict):
        body = {"update_id": update_id, **body}
    return draw(st.just(body) | st.just([body]) | st.just("not an object"))


@pytest.fixture
async def webhook(
    settings: Settings, factory: sessionmaker[Session], api: FakeBotApi
) -> AsyncIterator[tuple[httpx.AsyncClient, Intake]]:
    api.rate_limit = None
    application = build_application(settings)
    telegram_edge.register(application, build_service(settings, factory))
    await application.initialize()
    await application.start()
    intake = Intake(factory, telegram_edge.INTAKE_SOURCE, telegram_edge.handler(application))
    route = telegram_edge.webhook_route(application, SECRET, intake, ready=lambda: True)
    transport = httpx.ASGITransport(app=Starlette(routes=[route]))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            yield client, intake
    finally:
        await application.stop()
        await application.shutdown()


async def test_any_update_is_stored_or_refused_and_never_crashes_a_handler(
    webhook: tuple[httpx.AsyncClient, Intake],
    factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, intake = webhook
    statuses: list[int] = []

    @examples(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=updates())
    def post(body: Any) -> None:
        payload = json.dumps(body).encode()  # ASCII: lone surrogates travel as \\ud800
        statuses.append(runner.run(client.post("/telegram/webhook", content=payload,
                                                headers=HEADERS)).status_code)  # fmt: skip

    loop = asyncio.get_running_loop()

    class Runner:
        def run(self, coroutine: Any) -> httpx.Response:
            return asyncio.run_coroutine_threadsafe(coroutine, loop).result(30)

    runner = Runner()
    with caplog.at_level(logging.ERROR):
        await asyncio.to_thread(post)
        await intake.drain()
    assert set(statuses) <= {200, 400}, statuses
    assert 200 in statuses
    with factory() as session:
        backlog = inbox.backlog(session)
    assert (backlog.pending, backlog.parked) == (0, 0), backlog.last_parked_error
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


async def test_garbage_bodies_are_refused_without_reading_them_whole(
    webhook: tuple[httpx.AsyncClient, Intake],
) -> None:
    client, _ = webhook
    nested = b"[" * 100_000 + b"]" * 100_000
    for body, expected in (
        (nested, 400),
        (b"\xff\xfe not json", 400),
        (b'{"update_id": 1, "message": ' + b"[" * 500 + b"]" * 500 + b"}", 400),
        (b"x" * (2 << 20), 413),
    ):
        response = await client.post("/telegram/webhook", content=body, headers=HEADERS)
        assert response.status_code == expected

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"x" * 65536

    chunked = await client.post("/telegram/webhook", content=chunks(), headers=HEADERS)
    assert chunked.status_code == 413  # no Content-Length: counted while reading
