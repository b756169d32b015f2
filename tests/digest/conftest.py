"""Fixtures for the digest tests: the fake Slack Web API and Telegram Bot API servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from digest_fake_apis import FakeSlackApi, FakeTelegramApi


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    server = FakeSlackApi()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def telegram_api() -> Iterator[FakeTelegramApi]:
    server = FakeTelegramApi()
    server.start()
    try:
        yield server
    finally:
        server.stop()
