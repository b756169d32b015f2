"""Files that change how feedback is tagged and risk is scored (defaults ship built in)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from config.base import Area


class AnalysisSettings(Area):
    risk_weights_file: Path | None = Field(
        default=None,
        description="TOML file overriding the at-risk score's weights (defaults ship built in).",
    )
    tagging_rules_file: Path | None = Field(
        default=None,
        description="TOML file extending or replacing the churn-reason rules (docs/tagging.md).",
    )
