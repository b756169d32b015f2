"""Settings: the one place configuration enters the program.

Everything is read from the environment and an optional `.env` file in the working
directory, validated once, and handed to the rest of the code as a typed object, so no
module reads `os.environ` itself. Settings that only some commands need are optional here
and demanded with `require()` by the command that needs them: a user who only imports
CSV files must not be asked for a Slack token.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///retention.db"
# Telegram and surveys
_BOT_TOKEN = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,80}")
_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")
_PLACEHOLDER = re.compile(
    r"(change[-_ ]?me.*|your[-_ ].*|.*placeholder.*|x{3,}|todo|secret|password|example.*|<.*>)",
    re.IGNORECASE,
)
# Digest and scheduling
Industry = Literal[
    "retail", "banking", "telecom", "it", "insurance", "professional_services", "media"
]
_SLACK_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{6,20}")
# Slack
_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{6,20}")
_SLACK_USERGROUP_ID = re.compile(r"S[A-Z0-9]{6,20}")
# Ingestion API: long enough that guessing is hopeless; the characters a header carries as is
_API_KEY = re.compile(r"[A-Za-z0-9._~-]{32,256}")


def _refuse_placeholder(value: str) -> None:
    """A secret copied from .env.example unchanged is worse than none: refuse it by name."""
    if _PLACEHOLDER.fullmatch(value.strip()):
        raise ValueError("is a placeholder; set a real value")


class Settings(BaseSettings):
    """Typed view of the environment; field names are the variable names, upper-cased."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///file.db (default) or postgresql://user@host/db.",
    )
    timezone: str = Field(
        default="UTC",
        description="IANA timezone of the business: periods, weeks and schedules use it.",
    )
    payment_grace_days: int = Field(
        default=14,
        ge=0,
        le=365,
        description="Days a failed payment may stay unrecovered before the customer churns.",
    )
    inactivity_churn_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="Churn customers with no activity/purchase for this many days (off if empty).",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    risk_weights_file: Path | None = Field(
        default=None,
        description="TOML file overriding the at-risk score's weights (defaults ship built in).",
    )
    tagging_rules_file: Path | None = Field(
        default=None,
        description="TOML file extending or replacing the churn-reason rules (docs/tagging.md).",
    )

    # Telegram and surveys
    telegram_bot_token: str | None = Field(
        default=None,
        repr=False,
        description="Bot token from @BotFather; the bot runs only when it is set.",
    )
    telegram_bot_username: str | None = Field(
        default=None, description="Bot @username for deep links (asked from getMe if empty)."
    )
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL, the token is appended (python-telegram-bot's base_url).",
    )
    telegram_mode: Literal["polling", "webhook"] = Field(
        default="polling", description="How updates arrive: getUpdates polling or a webhook."
    )
    telegram_webhook_url: str | None = Field(
        default=None, description="Public https URL Telegram posts updates to (webhook mode)."
    )
    telegram_webhook_secret: str | None = Field(
        default=None,
        repr=False,
        description="Shared secret Telegram sends in X-Telegram-Bot-Api-Secret-Token.",
    )
    telegram_max_messages_per_second: float = Field(
        default=29.5,
        gt=0,
        le=30,
        description="Even send pace (no bursts); Telegram allows about 30 messages a second.",
    )
    link_secret: str | None = Field(
        default=None,
        repr=False,
        description="Key that signs /start deep-link tokens (32+ characters).",
    )
    link_ttl_days: int = Field(default=30, ge=1, le=365, description="Deep links expire after.")
    nps_interval_days: int = Field(
        default=90, ge=1, le=3650, description="Days between two NPS surveys to one customer."
    )
    survey_cooldown_days: int = Field(
        default=14, ge=0, le=365, description="No survey within this many days of the last one."
    )
    reminder_hours: int = Field(
        default=48, ge=1, le=24 * 30, description="One reminder when unanswered after this."
    )
    survey_expiry_days: int = Field(
        default=7, ge=1, le=90, description="An unfinished survey closes after this many days."
    )
    save_offers_file: Path | None = Field(
        default=None, description="TOML file: exit reason -> save offer text per language."
    )

    @field_validator(
        "telegram_bot_token",
        "telegram_bot_username",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "link_secret",
        "save_offers_file",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _check_bot_token(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _refuse_placeholder(value)
        if not _BOT_TOKEN.fullmatch(value):
            raise ValueError("does not look like a bot token from @BotFather (123456:ABC-...)")
        return value

    @field_validator("telegram_bot_username")
    @classmethod
    def _check_bot_username(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.removeprefix("@")
        if not _BOT_USERNAME.fullmatch(value):
            raise ValueError("must be the bot's @username (5-32 letters, digits, underscores)")
        return value

    @field_validator("telegram_api_base_url", "telegram_webhook_url")
    @classmethod
    def _check_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _refuse_placeholder(value)
        # Telegram's own rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
        if not _WEBHOOK_SECRET.fullmatch(value):
            raise ValueError("must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("link_secret")
    @classmethod
    def _check_link_secret(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _refuse_placeholder(value)
        if len(value) < 32:
            raise ValueError("must be at least 32 characters (e.g. `openssl rand -hex 32`)")
        return value

    @model_validator(mode="after")
    def _reminder_before_expiry(self) -> Settings:
        if timedelta(hours=self.reminder_hours) >= timedelta(days=self.survey_expiry_days):
            raise ValueError("REMINDER_HOURS must be shorter than SURVEY_EXPIRY_DAYS")
        return self

    # end of Telegram and surveys

    # Digest and scheduling
    slack_bot_token: str | None = Field(
        default=None, repr=False, description="Slack bot token (xoxb-...) that posts the digest."
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/", description="Slack Web API base URL (tests: a local one)."
    )
    slack_digest_channel: str | None = Field(
        default=None, description="Slack channel ID (C0123ABCD) the weekly digest goes to."
    )
    telegram_manager_chat_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated Telegram chat ids (groups are negative) given the digest.",
    )
    retention_benchmark: Industry | None = Field(
        default=None, description="Industry whose annual retention rate the digest compares to."
    )
    digest_cron: str = Field(
        default="0 9 * * mon", description="When the weekly digest is posted (crontab, TIMEZONE)."
    )
    digest_misfire_grace_minutes: int = Field(
        default=720,
        ge=1,
        le=7 * 24 * 60,
        description="A digest run missed while the bot was down still runs this late.",
    )
    digest_post_attempts: int = Field(
        default=4, ge=1, le=20, description="Tries per destination before a post counts as failed."
    )
    digest_retry_seconds: float = Field(
        default=5.0, ge=0, le=3600, description="Wait before the first retry, doubled each time."
    )
    digest_post_timeout_seconds: float = Field(
        default=30.0, gt=0, le=600, description="Timeout of one Slack or Telegram API call."
    )
    digest_claim_stale_minutes: int = Field(
        default=15,
        ge=1,
        le=24 * 60,
        description="A post claimed this long ago by a process that died may be taken over.",
    )
    survey_send_cron: str = Field(
        default="0 10 * * *", description="When due surveys are sent (crontab, TIMEZONE)."
    )

    @field_validator("slack_bot_token", "slack_digest_channel", mode="before")
    @classmethod
    def _digest_empty_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    @field_validator("retention_benchmark", mode="before")
    @classmethod
    def _normalise_industry(cls, value: Any) -> Any:
        """`IT`, `Professional services` and `professional-services` all mean the same."""
        if isinstance(value, str):
            return re.sub(r"[\s-]+", "_", value.strip().lower()) or None
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _check_slack_token(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _refuse_placeholder(value)
        if not value.startswith(("xoxb-", "xoxp-")):
            raise ValueError("must be a Slack bot token (xoxb-...)")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _check_slack_api_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http:// or https:// URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_digest_channel")
    @classmethod
    def _check_slack_channel(cls, value: str | None) -> str | None:
        # File uploads (the chart) only take channel IDs, not #names.
        if value is not None and not _SLACK_CHANNEL_ID.fullmatch(value):
            raise ValueError("must be a channel ID like C0123ABCD (channel details), not a #name")
        return value

    @field_validator("telegram_manager_chat_ids", mode="before")
    @classmethod
    def _split_chat_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            try:
                return [int(part) for part in parts]
            except ValueError:
                raise ValueError("must be comma-separated chat ids, e.g. -1001234567,42") from None
        return value

    @field_validator("digest_cron", "survey_send_cron")
    @classmethod
    def _check_cron(cls, value: str) -> str:
        value = " ".join(value.split())
        try:
            CronTrigger.from_crontab(value, timezone="UTC")
        except ValueError as error:
            raise ValueError(f"is not a crontab line like '0 9 * * mon' ({error})") from None
        return value

    # end of Digest and scheduling

    # Slack: /churn, real-time alerts and follow-ups (reuses SLACK_BOT_TOKEN, SLACK_API_URL)
    slack_mode: Literal["socket", "http"] = Field(
        default="socket",
        description="How Slack reaches the bot: socket (SLACK_APP_TOKEN) or http (/slack/events).",
    )
    slack_app_token: str | None = Field(
        default=None, repr=False, description="App-level token (xapp-...) for Socket Mode."
    )
    slack_signing_secret: str | None = Field(
        default=None, repr=False, description="Signing secret: every Slack request is verified."
    )
    slack_alerts_channel: str | None = Field(
        default=None, description="Channel ID (C0123ABCD) real-time alerts are posted to."
    )
    slack_allowed_users: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated Slack user ids that may use /churn."
    )
    slack_allowed_usergroups: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated user group ids whose members may."
    )
    slack_follow_up_managers: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="User ids that may move on or take over anyone's follow-up.",
    )
    slack_share_channels: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Channel ids where 'Share in channel' works (empty: alerts + digest).",
    )
    # end of Slack

    # The one HTTP server (Telegram webhook, Slack HTTP mode, the ingestion API, /healthz)
    http_host: str = Field(default="127.0.0.1", description="Interface the HTTP server listens on.")
    http_port: int = Field(
        default=8000,
        ge=0,
        le=65535,
        description="Port of the HTTP server (0: any free port, printed at start).",
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        repr=False,
        description="Comma-separated bearer keys for /api (two during a rotation).",
    )
    api_max_batch: int = Field(
        default=5_000, ge=1, le=100_000, description="Most records in one API request."
    )

    # Churn risk as a probability learnt from the company's history (docs/risk.md)
    risk_horizon_days: int = Field(
        default=30,
        ge=7,
        le=365,
        description="Risk is the probability of churning within this many days.",
    )
    risk_history_days: int = Field(
        default=540,
        ge=60,
        le=3650,
        description="How far back the risk model's training snapshots go.",
    )
    risk_snapshot_days: int = Field(
        default=14, ge=1, le=90, description="Days between two training snapshots."
    )
    risk_min_churners: int = Field(
        default=50,
        ge=1,
        le=100_000,
        description="Churn episodes needed to fit every weight (fewer: recalibrate the shipped).",
    )
    risk_training_max_rows: int = Field(
        default=400_000,
        ge=1_000,
        le=50_000_000,
        description="Snapshot rows a fit may use; above it a fixed sample of customers is used.",
    )
    risk_refit_cron: str = Field(
        default="0 3 * * sun",
        description="When `run` refits the risk model (crontab, TIMEZONE); empty = never.",
    )

    @field_validator("risk_refit_cron")
    @classmethod
    def _check_refit_cron(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                CronTrigger.from_crontab(value, timezone="UTC")
            except ValueError as error:
                raise ValueError(f"is not a crontab line like '0 3 * * sun' ({error})") from None
        return value

    @field_validator(
        "slack_app_token", "slack_signing_secret", "slack_alerts_channel", mode="before"
    )
    @classmethod
    def _slack_empty_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _check_slack_app_token(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _refuse_placeholder(value)
        if not value.startswith("xapp-"):
            raise ValueError("must be an app-level token (xapp-...) with connections:write")
        return value

    @field_validator("slack_signing_secret")
    @classmethod
    def _check_signing_secret(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _refuse_placeholder(value)
        if not re.fullmatch(r"[0-9a-fA-F]{16,128}", value):
            raise ValueError("must be the app's signing secret (hex, Basic Information page)")
        return value

    @field_validator("slack_alerts_channel")
    @classmethod
    def _check_alerts_channel(cls, value: str | None) -> str | None:
        if value is not None and not _SLACK_CHANNEL_ID.fullmatch(value):
            raise ValueError("must be a channel ID like C0123ABCD (channel details), not a #name")
        return value

    @field_validator(
        "slack_allowed_users",
        "slack_allowed_usergroups",
        "slack_follow_up_managers",
        "slack_share_channels",
        mode="before",
    )
    @classmethod
    def _split_slack_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("slack_allowed_users", "slack_follow_up_managers")
    @classmethod
    def _check_user_ids(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _SLACK_USER_ID.fullmatch(item):
                raise ValueError(f"{item!r} is not a Slack user id like U0123ABCD (profile ⋮)")
        return value

    @field_validator("slack_allowed_usergroups")
    @classmethod
    def _check_usergroup_ids(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _SLACK_USERGROUP_ID.fullmatch(item):
                raise ValueError(f"{item!r} is not a user group id like S0123ABCD")
        return value

    @field_validator("slack_share_channels")
    @classmethod
    def _check_share_channels(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _SLACK_CHANNEL_ID.fullmatch(item):
                raise ValueError(f"{item!r} is not a channel ID like C0123ABCD")
        return value

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_api_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("api_keys")
    @classmethod
    def _check_api_keys(cls, value: list[str]) -> list[str]:
        for position, key in enumerate(value, start=1):
            try:
                _refuse_placeholder(key)
            except ValueError:
                raise ValueError(f"key {position} is a placeholder; set a real value") from None
            if not _API_KEY.fullmatch(key):
                raise ValueError(
                    f"key {position} must be 32-256 of A-Z a-z 0-9 _ - . ~ (openssl rand -hex 32)"
                )
        return value

    @property
    def share_channels(self) -> frozenset[str]:
        """SLACK_SHARE_CHANNELS, or by default the channels the bot already posts to."""
        if self.slack_share_channels:
            return frozenset(self.slack_share_channels)
        defaults = (self.slack_alerts_channel, self.slack_digest_channel)
        return frozenset(channel for channel in defaults if channel)

    # end of Slack

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        """Accept the URLs hosting providers hand out and pick the driver we ship."""
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        if not (value.startswith("sqlite") or value.startswith("postgresql")):
            raise ValueError("only sqlite:/// and postgresql:// URLs are supported")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        value = value.strip()
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA timezone {value!r} (e.g. Europe/Berlin)") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value

    @field_validator("inactivity_churn_days", mode="before")
    @classmethod
    def _empty_is_off(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip() in {"", "0", "off"}:
            return None
        return value

    @field_validator("risk_weights_file", "tagging_rules_file", mode="before")
    @classmethod
    def _empty_is_default(cls, value: Any) -> Any:
        """`RISK_WEIGHTS_FILE=` (as in .env.example) means the shipped defaults; likewise rules."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @cached_property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def payment_grace(self) -> timedelta:
        return timedelta(days=self.payment_grace_days)

    @property
    def inactivity_window(self) -> timedelta | None:
        if self.inactivity_churn_days is None:
            return None
        return timedelta(days=self.inactivity_churn_days)

    def require(self, *names: str) -> None:
        """Fail with one clear line when a command needs a setting that is not set."""
        for name in names:
            if getattr(self, name.lower()) in (None, ""):
                raise ConfigError(f"{name.upper()} is not set; this command needs it")


def _describe(error: ValidationError) -> str:
    """One line per invalid variable, naming it the way the user wrote it."""
    parts = []
    for item in error.errors():
        name = ".".join(str(p) for p in item["loc"]).upper() or "settings"
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{name}: {message}")
    return "; ".join(parts)


def load_settings(env_file: Path | None = None, **overrides: Any) -> Settings:
    """Read settings, turning pydantic's report into a ConfigError naming the variable."""
    try:
        if env_file is not None:
            return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None
