"""Churn risk as a probability learnt from the company's own history (docs/risk.md)."""

from __future__ import annotations

from pydantic import Field, field_validator

from config.base import Area, area_config
from config.schedule import check_cron

NEVER = ("off", "never", "none")


class RiskSettings(Area):
    model_config = area_config("RISK_")

    horizon_days: int = Field(
        default=30,
        ge=7,
        le=365,
        description="Risk is the probability of churning within this many days.",
    )
    history_days: int = Field(
        default=540,
        ge=60,
        le=3650,
        description="How far back the risk model's training snapshots go.",
    )
    snapshot_days: int = Field(
        default=14, ge=1, le=90, description="Days between two training snapshots."
    )
    min_churners: int = Field(
        default=50,
        ge=1,
        le=100_000,
        description="Churn episodes needed to fit every weight (fewer: recalibrate the shipped).",
    )
    training_max_rows: int = Field(
        default=400_000,
        ge=1_000,
        le=50_000_000,
        description="Snapshot rows a fit may use; above it a fixed sample of customers is used.",
    )
    refit_cron: str = Field(
        default="0 3 * * sun",
        description="When `run` refits the risk model (crontab, TIMEZONE); off = never.",
    )

    @field_validator("refit_cron")
    @classmethod
    def _check_refit_cron(cls, value: str) -> str:
        value = value.strip()
        if value.lower() in NEVER:
            return ""
        return check_cron(value)
