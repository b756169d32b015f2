"""The weekly digest: when it is posted, how posts are retried, the industry benchmark."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from config.base import Area, area_config
from config.schedule import check_cron

Industry = Literal[
    "retail", "banking", "telecom", "it", "insurance", "professional_services", "media"
]


WEEKLY_CRON = "0 9 * * mon"
MONTHLY_CRON = "0 9 1 * *"


class DigestSettings(Area):
    model_config = area_config("DIGEST_")

    cron: str = Field(
        default=WEEKLY_CRON,
        description="When the digest is posted (crontab, TIMEZONE); monthly default: the 1st.",
    )
    misfire_grace_minutes: int = Field(
        default=720,
        ge=1,
        le=7 * 24 * 60,
        description="A digest run missed while the bot was down still runs this late.",
    )
    post_attempts: int = Field(
        default=4, ge=1, le=20, description="Tries per destination before a post counts as failed."
    )
    retry_seconds: float = Field(
        default=5.0, ge=0, le=3600, description="Wait before the first retry, doubled each time."
    )
    post_timeout_seconds: float = Field(
        default=30.0, gt=0, le=600, description="Timeout of one Slack or Telegram API call."
    )
    claim_stale_minutes: int = Field(
        default=15,
        ge=1,
        le=24 * 60,
        description="A post claimed this long ago by a process that died may be taken over.",
    )
    cadence: Literal["weekly", "monthly"] = Field(
        default="weekly",
        description="Digest edition: weekly (last ISO week) or monthly (last calendar month).",
    )
    min_sample: int = Field(
        default=30,
        ge=1,
        le=100_000,
        validation_alias=AliasChoices("MIN_SAMPLE", "DIGEST_MIN_SAMPLE", "min_sample"),
        description="Weeks with fewer survey answers than this are marked as small samples.",
    )
    retention_benchmark: Industry | None = Field(
        default=None,
        validation_alias=AliasChoices("RETENTION_BENCHMARK", "retention_benchmark"),
        description="Industry whose annual retention rate the digest compares to.",
    )

    @classmethod
    def variable(cls, field: str) -> str:
        names = {"retention_benchmark": "RETENTION_BENCHMARK", "min_sample": "MIN_SAMPLE"}
        return names.get(field) or super().variable(field)

    @field_validator("retention_benchmark", mode="before")
    @classmethod
    def _normalise_industry(cls, value: Any) -> Any:
        """`IT`, `Professional services` and `professional-services` all mean the same."""
        if isinstance(value, str):
            return re.sub(r"[\s-]+", "_", value.strip().lower()) or None
        return value

    @field_validator("cron")
    @classmethod
    def _check_cron(cls, value: str) -> str:
        return check_cron(value)

    @model_validator(mode="after")
    def _monthly_cron(self) -> DigestSettings:
        """Without a DIGEST_CRON of its own, the monthly edition goes out on the 1st at 09:00."""
        if self.cadence == "monthly" and "cron" not in self.model_fields_set:
            self.cron = MONTHLY_CRON
        return self
