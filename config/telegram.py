"""The Telegram bot: token, how updates arrive, the send pace, the managers' chats."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from config.base import Area, area_config, secret

_BOT_TOKEN = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,80}")
_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")


class TelegramSettings(Area):
    model_config = area_config("TELEGRAM_")

    bot_token: str | None = Field(
        default=None,
        repr=False,
        description="Bot token from @BotFather; the bot runs only when it is set.",
    )
    bot_username: str | None = Field(
        default=None, description="Bot @username for deep links (asked from getMe if empty)."
    )
    api_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL, the token is appended (python-telegram-bot's base_url).",
    )
    mode: Literal["polling", "webhook"] = Field(
        default="polling", description="How updates arrive: getUpdates polling or a webhook."
    )
    webhook_url: str | None = Field(
        default=None, description="Public https URL Telegram posts updates to (webhook mode)."
    )
    webhook_secret: str | None = Field(
        default=None,
        repr=False,
        description="Shared secret Telegram sends in X-Telegram-Bot-Api-Secret-Token.",
    )
    max_messages_per_second: float = Field(
        default=29.5,
        gt=0,
        le=30,
        description="Even send pace (no bursts); Telegram allows about 30 messages a second.",
    )
    manager_chat_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated Telegram chat ids (groups are negative) given the digest.",
    )

    @field_validator("bot_token")
    @classmethod
    def _check_bot_token(cls, value: str | None) -> str | None:
        return secret(
            value,
            _BOT_TOKEN.fullmatch,
            "does not look like a bot token from @BotFather (123456:ABC-...)",
        )

    @field_validator("bot_username")
    @classmethod
    def _check_bot_username(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().removeprefix("@")
        if not _BOT_USERNAME.fullmatch(value):
            raise ValueError("must be the bot's @username (5-32 letters, digits, underscores)")
        return value

    @field_validator("api_base_url", "webhook_url")
    @classmethod
    def _check_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: str | None) -> str | None:
        # Telegram's own rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
        return secret(
            value, _WEBHOOK_SECRET.fullmatch, "must be 16-256 characters of A-Z, a-z, 0-9, _ and -"
        )

    @field_validator("manager_chat_ids", mode="before")
    @classmethod
    def _split_chat_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            try:
                return [int(part) for part in parts]
            except ValueError:
                raise ValueError("must be comma-separated chat ids, e.g. -1001234567,42") from None
        return value
