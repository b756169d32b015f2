"""The ingestion API: HTTP in, `insights.ingest` importers out.

`IngestApi(...).routes()` are the POST endpoints; `openapi_route()` describes them. The
composition root (`bot.web`) mounts them on the one HTTP server next to the Telegram
webhook, Slack's events and /healthz.
"""

from __future__ import annotations

from handlers.api.auth import BearerKeys
from handlers.api.ingest import AfterImport, IngestApi
from handlers.api.openapi import openapi_route

__all__ = ["AfterImport", "BearerKeys", "IngestApi", "openapi_route"]
