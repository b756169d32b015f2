"""Wiring for the ingestion API: settings in, the `api` component of `run` out.

What happens after a batch is stored is decided here, where the platforms are known:
events that trigger a survey (a cancellation's exit interview, a closed ticket's CSAT) are
sent at once through the running Telegram bot; survey responses are tagged with churn
reasons and sentiment, as a CSV import of them is, and the recent ones are handed to the
answer listeners as completed surveys, so a detractor's NPS from another survey tool
raises the same Slack alert as one given in Telegram. Only responses answered within
`insights.alerts.alert_window` (the last 48 hours, not in the future) alert: older ones
are history being back-filled, future-dated ones are never news.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from starlette.routing import BaseRoute

from bot.services import Services
from config import Settings
from handlers.api import BearerKeys, IngestApi, openapi_route
from insights import feedback
from insights.alerts import alert_window
from surveys.dispatch import DispatchReport
from surveys.hooks import AnswerHooks
from surveys.pushed_records import recent_completed, stored_event_ids, trigger_types

log = logging.getLogger(__name__)
SendTriggered = Callable[[Collection[int]], Awaitable[DispatchReport]]


class ApiComponent:
    """The `run` component for /api: routes for the HTTP server, follow-ups drained at stop."""

    name = "api"

    def __init__(
        self,
        services: Services,
        send_triggered: SendTriggered | None,
        hooks: AnswerHooks | None = None,
    ) -> None:
        settings = self.settings = services.settings
        self.services = services
        factory = self.factory = services.factory
        self.send_triggered = send_triggered
        self.hooks = hooks
        self.triggers = trigger_types()
        self.api = IngestApi(
            factory=factory,
            tz=settings.tz,
            rules=services.lifecycle_rules,
            keys=BearerKeys(settings.api.keys),
            max_batch=settings.api.max_batch,
            after_import=self.after_import,
            ready=lambda: self.running,
        )
        self.running = False

    @staticmethod
    def not_configured(settings: Settings) -> str | None:
        return None if settings.api.keys else "API_KEYS is not set"

    def routes(self) -> list[BaseRoute]:
        return [*self.api.routes(), openapi_route()]

    async def after_import(self, kind: str, records: list[Mapping[str, Any]]) -> None:
        if kind == "responses":
            tagger = await asyncio.to_thread(lambda: self.services.live_tagger)
            report = await asyncio.to_thread(feedback.tag_pending, self.factory, tagger)
            log.info("API responses: tagged %d answers", report.tagged)
            if self.hooks is not None:
                window = alert_window(self.services.clock())
                recent = await asyncio.to_thread(
                    recent_completed, self.factory, records, window.earliest, window.latest
                )
                for completed in recent:
                    self.hooks.survey_completed(completed)
        elif kind == "events" and self.send_triggered is not None:
            ids = await asyncio.to_thread(stored_event_ids, self.factory, records, self.triggers)
            if ids:
                sent = await self.send_triggered(ids)
                log.info("API events: triggered surveys: %s", sent.summary())

    async def start(self) -> str:
        """Open the API: started after Telegram, so a cancellation can be followed at once."""
        self.running = True
        keys = len(self.settings.api.keys)
        surveys = "" if self.send_triggered else "; no Telegram bot, so no exit interviews"
        return (
            f"POST /api/customers, /api/events, /api/responses; {keys} key"
            f"{'s' if keys != 1 else ''}{surveys}"
        )

    async def stop(self) -> None:
        self.running = False
        await self.api.drain()
        if self.hooks is not None:  # the alerts those follow-ups raised, queued for Slack
            await self.hooks.drain()
