"""Fixtures for the digest tests: `slack_api` comes from tests/conftest.py; the Telegram
Bot API server is `api` there, named `telegram_api` here where two platforms meet."""

from __future__ import annotations

import pytest
from fake_bot_api import FakeBotApi


@pytest.fixture
def telegram_api(api: FakeBotApi) -> FakeBotApi:
    return api
