"""Fixtures for the digest tests: the shared test Slack Web API and Telegram Bot API servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_bot_api import FakeBotApi
from slack_fake_api import FakeSlackApi


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    server = FakeSlackApi().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def telegram_api() -> Iterator[FakeBotApi]:
    server = FakeBotApi().start()
    try:
        yield server
    finally:
        server.stop()
