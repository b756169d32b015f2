"""The one HTTP server (Telegram webhook, Slack HTTP mode, the ingestion API, /healthz)."""

from __future__ import annotations

from pydantic import Field

from config.base import Area, area_config


class HttpSettings(Area):
    model_config = area_config("HTTP_")

    host: str = Field(default="127.0.0.1", description="Interface the HTTP server listens on.")
    port: int = Field(
        default=8000,
        ge=0,
        le=65535,
        description="Port of the HTTP server (0: any free port, printed at start).",
    )
