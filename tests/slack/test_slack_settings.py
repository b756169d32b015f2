"""The Slack settings: validated once, with the variable named when one is wrong."""

from __future__ import annotations

import pytest

from bot.slack_app import SlackBot
from config import ConfigError, load_settings

TOKEN = "xoxb-1111-2222-slacktestbottoken"


def test_lists_are_split_and_share_channels_default_to_where_the_bot_posts() -> None:
    settings = load_settings(
        slack_allowed_users=" U0AAAAAAA1, W0BBBBBBB2 ,",
        slack_allowed_usergroups="S0CCCCCCC3",
        slack_alerts_channel="C0ALERTS01",
        slack_digest_channel="C0DIGEST01",
    )
    assert settings.slack.allowed_users == ["U0AAAAAAA1", "W0BBBBBBB2"]
    assert settings.slack.allowed_usergroups == ["S0CCCCCCC3"]
    assert settings.slack.shared_in == {"C0ALERTS01", "C0DIGEST01"}
    explicit = load_settings(slack_share_channels="C0SHARE001", slack_alerts_channel="C0ALERTS01")
    assert explicit.slack.shared_in == {"C0SHARE001"}
    assert load_settings().slack.mode == "socket"
    assert "app_token" not in repr(load_settings(slack_app_token="xapp-1-A0-123-abc"))


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("slack_app_token", "xoxb-123", "SLACK_APP_TOKEN: must be an app-level token"),
        ("slack_app_token", "your-app-token", "SLACK_APP_TOKEN: is a placeholder"),
        ("slack_signing_secret", "not hex at all!", "SLACK_SIGNING_SECRET: must be"),
        ("slack_signing_secret", "secret", "SLACK_SIGNING_SECRET: is a placeholder"),
        ("slack_alerts_channel", "#retention", "SLACK_ALERTS_CHANNEL: must be a channel ID"),
        ("slack_allowed_users", "U0AAAAAAA1,@ann", "SLACK_ALLOWED_USERS: '@ann' is not"),
        ("slack_allowed_usergroups", "retention-team", "SLACK_ALLOWED_USERGROUPS"),
        ("slack_share_channels", "general", "SLACK_SHARE_CHANNELS"),
        ("slack_mode", "webhook", "SLACK_MODE"),
        ("http_port", "70000", "HTTP_PORT"),
        ("api_keys", "short-key", "API_KEYS: key 1 must be 32-256"),
        ("api_keys", "a" * 40 + ",your-api-key", "API_KEYS: key 2 is a placeholder"),
    ],
)
def test_invalid_values_name_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(**{variable: value})


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"slack_bot_token": TOKEN}, "SLACK_APP_TOKEN is not set"),
        ({"slack_bot_token": TOKEN, "slack_mode": "http"}, "SLACK_SIGNING_SECRET is not set"),
        (
            {"slack_bot_token": TOKEN, "slack_app_token": "xapp-1-A0-1-abc"},
            "nobody may use it",
        ),
        (
            {
                "slack_bot_token": TOKEN,
                "slack_app_token": "xapp-1-A0-1-abc",
                "slack_allowed_users": "U0AAAAAAA1",
            },
            None,
        ),
    ],
)
def test_not_configured_says_why(overrides: dict[str, str], reason: str | None) -> None:
    found = SlackBot.not_configured(load_settings(**overrides))
    assert found == reason if reason is None else reason in (found or "")
