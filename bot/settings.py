"""Settings: the one place configuration enters the program.

Everything is read from the environment and an optional `.env` file in the working
directory, validated once, and handed to the rest of the code as a typed object, so no
module reads `os.environ` itself. Settings that only some commands need are optional here
and demanded with `require()` by the command that needs them: a user who only imports
CSV files must not be asked for a Slack token.
"""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///retention.db"


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
