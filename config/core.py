"""The business's own rules: its timezone, when churn is declared, how much to log."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from functools import cached_property
from typing import Any

from pydantic import Field, field_validator

from config.base import Area


class CoreSettings(Area):
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
    currency: str | None = Field(
        default=None,
        max_length=8,
        description="Currency written after money amounts (EUR, USD, kr); empty = none.",
    )

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        value = value.strip()
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
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
    def _zero_is_off(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip() in {"", "0", "off"}:
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
