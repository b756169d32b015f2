"""Fixtures for the Telegram tests: the fake Bot API, settings that point at it, the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from bot_harness import LINK_SECRET, Harness
from fake_bot_api import TOKEN, FakeBotApi
from sqlalchemy.orm import Session, sessionmaker

from config import Settings, load_settings
from surveys.hooks import AnswerHooks

OFFERS = """
[price]
en = "We can take 30% off your next three months."
ru = "Мы можем сделать скидку 30% на следующие три месяца."

[support]
en = "A senior engineer will look after your account personally."
"""


@pytest.fixture
def offers_file(tmp_path: Path) -> Path:
    path = tmp_path / "offers.toml"
    path.write_text(OFFERS, encoding="utf-8")
    return path


@pytest.fixture
def settings(database_url: str, api: FakeBotApi, offers_file: Path) -> Settings:
    return load_settings(
        database_url=database_url,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=api.base_url,
        link_secret=LINK_SECRET,
        save_offers_file=offers_file,
    )


@pytest.fixture
def hooks() -> AnswerHooks:
    return AnswerHooks()


@pytest.fixture
async def harness(
    settings: Settings, factory: sessionmaker[Session], api: FakeBotApi, hooks: AnswerHooks
) -> AsyncIterator[Harness]:
    bot = Harness(settings, factory, api, hooks)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
