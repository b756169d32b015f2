"""Slack: the staff's /churn, real-time alerts and follow-ups, and the digest channel."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from config.base import Area, area_config, comma_list, secret

_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{6,20}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{6,20}")
_USERGROUP_ID = re.compile(r"S[A-Z0-9]{6,20}")
_CHANNEL_HINT = "must be a channel ID like C0123ABCD (channel details), not a #name"


class SlackSettings(Area):
    model_config = area_config("SLACK_")

    bot_token: str | None = Field(
        default=None, repr=False, description="Slack bot token (xoxb-...) that posts the digest."
    )
    api_url: str = Field(
        default="https://slack.com/api/", description="Slack Web API base URL (tests: a local one)."
    )
    digest_channel: str | None = Field(
        default=None, description="Slack channel ID (C0123ABCD) the weekly digest goes to."
    )
    mode: Literal["socket", "http"] = Field(
        default="socket",
        description="How Slack reaches the bot: socket (SLACK_APP_TOKEN) or http (/slack/events).",
    )
    app_token: str | None = Field(
        default=None, repr=False, description="App-level token (xapp-...) for Socket Mode."
    )
    signing_secret: str | None = Field(
        default=None, repr=False, description="Signing secret: every Slack request is verified."
    )
    alerts_channel: str | None = Field(
        default=None, description="Channel ID (C0123ABCD) real-time alerts are posted to."
    )
    allowed_users: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated Slack user ids that may use /churn."
    )
    allowed_usergroups: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated user group ids whose members may."
    )
    follow_up_managers: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="User ids that may move on or take over anyone's follow-up.",
    )
    share_channels: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Channel ids where 'Share in channel' works (empty: alerts + digest).",
    )

    @field_validator("bot_token")
    @classmethod
    def _check_bot_token(cls, value: str | None) -> str | None:
        return secret(
            value,
            lambda v: v.startswith(("xoxb-", "xoxp-")),
            "must be a Slack bot token (xoxb-...)",
        )

    @field_validator("api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http:// or https:// URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("digest_channel", "alerts_channel")
    @classmethod
    def _check_channel(cls, value: str | None) -> str | None:
        # File uploads (the chart) only take channel IDs, not #names.
        if value is not None and not _CHANNEL_ID.fullmatch(value.strip()):
            raise ValueError(_CHANNEL_HINT)
        return value.strip() if value is not None else None

    @field_validator("app_token")
    @classmethod
    def _check_app_token(cls, value: str | None) -> str | None:
        return secret(
            value,
            lambda v: v.startswith("xapp-"),
            "must be an app-level token (xapp-...) with connections:write",
        )

    @field_validator("signing_secret")
    @classmethod
    def _check_signing_secret(cls, value: str | None) -> str | None:
        return secret(
            value,
            re.compile(r"[0-9a-fA-F]{16,128}").fullmatch,
            "must be the app's signing secret (hex, Basic Information page)",
        )

    @field_validator(
        "allowed_users", "allowed_usergroups", "follow_up_managers", "share_channels",
        mode="before",
    )  # fmt: skip
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        return comma_list(value)

    @field_validator("allowed_users", "follow_up_managers")
    @classmethod
    def _check_user_ids(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _USER_ID.fullmatch(item):
                raise ValueError(f"{item!r} is not a Slack user id like U0123ABCD (profile ⋮)")
        return value

    @field_validator("allowed_usergroups")
    @classmethod
    def _check_usergroup_ids(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _USERGROUP_ID.fullmatch(item):
                raise ValueError(f"{item!r} is not a user group id like S0123ABCD")
        return value

    @field_validator("share_channels")
    @classmethod
    def _check_share_channels(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _CHANNEL_ID.fullmatch(item):
                raise ValueError(f"{item!r} is not a channel ID like C0123ABCD")
        return value

    @property
    def shared_in(self) -> frozenset[str]:
        """SLACK_SHARE_CHANNELS, or by default the channels the bot already posts to."""
        if self.share_channels:
            return frozenset(self.share_channels)
        defaults = (self.alerts_channel, self.digest_channel)
        return frozenset(channel for channel in defaults if channel)
