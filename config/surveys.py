"""Customer surveys: deep links, how often customers are asked, save offers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from config.base import Area, secret
from config.schedule import check_cron


class SurveySettings(Area):
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
    survey_send_cron: str = Field(
        default="0 10 * * *", description="When due surveys are sent (crontab, TIMEZONE)."
    )

    @field_validator("link_secret")
    @classmethod
    def _check_link_secret(cls, value: str | None) -> str | None:
        return secret(
            value,
            lambda v: len(v) >= 32,
            "must be at least 32 characters (e.g. `openssl rand -hex 32`)",
        )

    @field_validator("survey_send_cron")
    @classmethod
    def _check_cron(cls, value: str) -> str:
        return check_cron(value)

    @model_validator(mode="after")
    def _reminder_before_expiry(self) -> SurveySettings:
        if timedelta(hours=self.reminder_hours) >= timedelta(days=self.survey_expiry_days):
            raise ValueError("REMINDER_HOURS must be shorter than SURVEY_EXPIRY_DAYS")
        return self
