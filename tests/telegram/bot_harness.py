"""The real bot (`bot.telegram_app.TelegramBot`, polling) against `FakeBotApi`, for tests.

`send()` pushes updates and returns once the bot has handled them: it pushes a sentinel
after them (a tap with data no button carries, from a chat of its own) and waits for the
bot to answer that callback query, then for the inbox to hold nothing pending. The batch is
stored in one transaction before any of it is handled, so once the sentinel is answered
the rest is in the inbox; each chat's updates run in order. (A tap, because
answerCallbackQuery is not paced by the rate limiter: the wait costs no extra 1/30 s.)
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import tg_updates as tg
from fake_bot_api import FakeBotApi
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.services import Services
from bot.telegram_app import TelegramBot
from builders import customer
from config import Settings
from storage import inbox
from storage.models import Answer, Customer, SurveySession
from surveys.hooks import AnswerHooks
from surveys.linking import issue_token

SENTINEL_CHAT = 1
LINK_SECRET = "test-link-secret-4f9a1c7e2b8d6053a1e9"


class Harness:
    def __init__(
        self,
        settings: Settings,
        factory: sessionmaker[Session],
        api: FakeBotApi,
        hooks: AnswerHooks | None = None,
    ) -> None:
        self.settings = settings
        self.factory = factory
        self.api = api
        self.hooks = hooks or AnswerHooks()
        self.bot: TelegramBot | None = None
        self._sentinels: set[str] = set()

    async def start(self) -> str:
        services = Services(self.settings, factory=self.factory)
        self.bot = TelegramBot(services, self.hooks, poll_timeout=timedelta(seconds=1))
        return await self.bot.start()

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
            self.bot = None

    async def restart(self) -> None:
        """A new process, as far as the bot can tell: nothing survives but the database."""
        await self.stop()
        await self.start()

    def token(self, customer_id: int, issued: datetime | None = None, days: int = 30) -> str:
        assert self.settings.surveys.link_secret is not None
        return issue_token(
            self.settings.surveys.link_secret,
            customer_id,
            issued or datetime.now(UTC),
            timedelta(days=days),
        )

    async def send(self, *updates: dict[str, Any]) -> None:
        """Deliver `updates` (in one getUpdates batch) and wait until they are handled."""
        sentinel = tg.tap(SENTINEL_CHAT, "sentinel")
        query_id = sentinel["callback_query"]["id"]
        self._sentinels.add(query_id)
        self.api.push(*updates, sentinel)
        await self.api.wait_for(
            lambda: any(
                c.params.get("callback_query_id") == query_id
                for c in self.api.calls_to("answerCallbackQuery")
            ),
            what="the sentinel update",
        )
        await self.wait_idle()
        await self.hooks.drain()

    async def wait_idle(self, timeout: float = 10.0) -> None:
        """Until no stored update waits to be handled."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            with self.factory() as session:
                if inbox.backlog(session).pending == 0:
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("stored updates were not handled in time")
            await asyncio.sleep(0.01)

    def notices(self) -> list[str | None]:
        """The texts the bot answered button taps with (None: a plain acknowledgement)."""
        return [
            call.params.get("text")
            for call in self.api.calls_to("answerCallbackQuery")
            if call.params.get("callback_query_id") not in self._sentinels
        ]

    async def link(self, chat_id: int, customer_id: int, language: str = "en") -> None:
        await self.send(tg.command(chat_id, f"/start {self.token(customer_id)}", language))


def make_customer(
    factory: sessionmaker[Session], external_id: str, language: str | None = "en", **fields: Any
) -> int:
    with factory() as session, session.begin():
        return customer(
            session,
            datetime(2026, 1, 5, tzinfo=UTC),
            external_id=external_id,
            language=language,
            **fields,
        ).id


def sessions_of(factory: sessionmaker[Session], customer_id: int) -> list[SurveySession]:
    with factory() as session:
        return list(
            session.scalars(
                select(SurveySession)
                .where(SurveySession.customer_id == customer_id)
                .order_by(SurveySession.id)
            )
        )


def answers_of(factory: sessionmaker[Session], customer_id: int) -> dict[str, Answer]:
    with factory() as session:
        rows = session.scalars(select(Answer).where(Answer.customer_id == customer_id))
        return {row.question: row for row in rows}


def customer_row(factory: sessionmaker[Session], customer_id: int) -> Customer:
    with factory() as session:
        return session.get_one(Customer, customer_id)
