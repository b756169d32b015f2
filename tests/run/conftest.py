"""The test Bot API and Slack Web API servers on 127.0.0.1, for whole-process tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_bot_api import FakeBotApi
from slack_fake_api import FakeSlackApi


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    server = FakeBotApi().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    server = FakeSlackApi().start()
    try:
        yield server
    finally:
        server.stop()
