"""Telegram and survey settings: defaults, normalisation, and placeholder secrets refused."""

from __future__ import annotations

import pytest

from config import ConfigError, load_settings


def test_defaults() -> None:
    settings = load_settings()
    assert settings.telegram.api_base_url == "https://api.telegram.org/bot"
    assert settings.telegram.mode == "polling"
    assert (settings.surveys.link_ttl_days, settings.surveys.nps_interval_days) == (30, 90)
    assert (settings.surveys.survey_cooldown_days, settings.surveys.reminder_hours) == (14, 48)
    assert settings.surveys.survey_expiry_days == 7
    assert settings.telegram.bot_token is None and settings.surveys.link_secret is None


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:AAH-real-looking-token_0123456789")
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@acme_feedback_bot")
    monkeypatch.setenv("TELEGRAM_MODE", "webhook")
    monkeypatch.setenv("LINK_SECRET", "9f" * 20)
    monkeypatch.setenv("SAVE_OFFERS_FILE", "")
    settings = load_settings()
    assert settings.telegram.bot_username == "acme_feedback_bot"
    assert settings.telegram.mode == "webhook"
    assert settings.surveys.save_offers_file is None
    assert "AAH-real" not in repr(settings) and "9f9f" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LINK_SECRET", "changeme", "LINK_SECRET: is a placeholder"),
        ("LINK_SECRET", "your-link-secret-here-please-change", "LINK_SECRET: is a placeholder"),
        ("LINK_SECRET", "short", "at least 32"),
        ("TELEGRAM_WEBHOOK_SECRET", "CHANGE_ME", "TELEGRAM_WEBHOOK_SECRET: is a placeholder"),
        ("TELEGRAM_WEBHOOK_SECRET", "has spaces in it!!", "16-256 characters"),
        ("TELEGRAM_BOT_TOKEN", "<your-token>", "is a placeholder"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token", "does not look like a bot token"),
        ("TELEGRAM_BOT_USERNAME", "a b", "@username"),
        ("TELEGRAM_API_BASE_URL", "api.telegram.org", "http"),
        ("TELEGRAM_MODE", "push", "TELEGRAM_MODE"),
        ("REMINDER_HOURS", "200", "REMINDER_HOURS must be shorter than SURVEY_EXPIRY_DAYS"),
        ("NPS_INTERVAL_DAYS", "0", "NPS_INTERVAL_DAYS"),
    ],
)
def test_bad_values_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings()
