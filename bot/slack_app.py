"""Wiring for the staff Slack app: settings in, a running `/churn` and alert poster out.

The composition root for the Slack edge. `SlackBot` is the component `retention-bot run`
starts and stops (the same shape as `TelegramBot`):

    hooks = AnswerHooks()
    slack = SlackBot(services)                       # SlackBot.not_configured(settings) first
    slack.register_alert_listeners(hooks)            # before Telegram starts taking answers
    telegram = TelegramBot(services, hooks=hooks)
    await slack.start(); await telegram.start(); ...; await telegram.stop(); await slack.stop()

Pieces, for tests and other wiring:
- `build_client(settings)`: the Web API client on SLACK_API_URL. bolt's `AsyncApp` takes
  a ready `AsyncWebClient` (`client=`), which is how its calls, `auth.test` included, go
  to a base URL other than slack.com; its own `token=` would build a client on slack.com.
- `build_app(settings, ctx, client)`: the bolt `AsyncApp`, signature verification on,
  every listener added, its log lines bounded (`handlers.slack.log_safety`).
- `events_route(app, signing_secret)`: the Starlette route for POST `/slack/events` (HTTP
  mode), which `bot.web.WebServer` serves next to the other HTTP routes. It refuses
  unsigned, stale and oversized requests (401, 413) before reading them whole and before
  bolt sees them (`handlers.slack.events_http`).

In Socket Mode (default) Slack sends the same payloads over a WebSocket (bolt's
`AsyncSocketModeHandler`), so no public URL is needed; in HTTP mode the one HTTP
server (`bot.web`) serves `/slack/events` on HTTP_HOST:HTTP_PORT.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from starlette.routing import BaseRoute, Route

import handlers.slack as slack_edge
from bot.services import Services
from config import Settings
from handlers.slack import events_http, log_safety
from handlers.slack.access import Gatekeeper
from handlers.slack.alert_listener import AlertListener
from handlers.slack.alert_sender import PACE_SECONDS, SWEEP_SECONDS, AlertSender
from handlers.slack.context import SlackContext
from storage.clock import utcnow
from storage.errors import UserError
from surveys.hooks import AnswerHooks

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
API_TIMEOUT_SECONDS = 10
SOCKET_CONNECT_SECONDS = 30


class SlackUnavailable(UserError):
    """Slack refused the token or could not be reached at start-up."""

    exit_code = 2


def build_client(settings: Settings) -> AsyncWebClient:
    settings.require("slack_bot_token")
    return AsyncWebClient(
        token=settings.slack.bot_token,
        base_url=settings.slack.api_url,
        timeout=API_TIMEOUT_SECONDS,
    )


def build_context(
    services: Services,
    client: AsyncWebClient,
    clock: Callable[[], datetime] = utcnow,
) -> SlackContext:
    settings = services.settings
    return SlackContext(
        factory=services.factory,
        tz=settings.tz,
        weights=services.risk_weights,
        gatekeeper=Gatekeeper(
            client, settings.slack.allowed_users, settings.slack.allowed_usergroups
        ),
        tagger=lambda: services.live_tagger,  # shipped + newest company models
        share_channels=settings.slack.shared_in,
        managers=frozenset(settings.slack.follow_up_managers),
        payment_grace=settings.payment_grace,
        inactivity_window=settings.inactivity_window,
        currency=settings.core.currency,
        clock=clock,
    )


def build_app(settings: Settings, ctx: SlackContext, client: AsyncWebClient) -> AsyncApp:
    app = AsyncApp(
        client=client,
        signing_secret=settings.slack.signing_secret or "",
        request_verification_enabled=True,
        # bolt answers Slack when a listener calls ack(); what follows it, and lazy
        # listeners, run after the response (alert_actions stores before it acks).
        process_before_response=False,
        # The filter on bolt's base logger reaches every logger bolt makes.
        logger=log_safety.bounded_logger("slack_bolt"),
    )
    slack_edge.register(app, ctx)
    return app


def events_route(
    app: AsyncApp, signing_secret: str, ready: Callable[[], bool] = lambda: True
) -> Route:
    """POST /slack/events (HTTP mode): headers, size and signature checked before bolt sees
    the request (`handlers.slack.events_http`), then bolt dispatches it.

    503 until `ready()`: the token is checked and the alert sender runs only at start.
    """
    endpoint = events_http.events_endpoint(app, signing_secret, ready)
    return Route(EVENTS_PATH, endpoint, methods=["POST"])


class SlackBot:
    """The `run` component: /churn, the alert buttons, and the alert poster."""

    name = "slack"

    def __init__(
        self,
        services: Services,
        *,
        clock: Callable[[], datetime] = utcnow,
        pace: float = PACE_SECONDS,
        sweep_every: float = SWEEP_SECONDS,
    ) -> None:
        settings = self.settings = services.settings
        self.factory = services.factory
        self.client = build_client(settings)
        self.ctx = build_context(services, self.client, clock)
        self.sender: AlertSender | None = None
        if settings.slack.alerts_channel:
            self.sender = AlertSender(
                self.ctx, self.client, settings.slack.alerts_channel, pace, sweep_every
            )
            self.ctx.alerts = self.sender
        self.app = build_app(settings, self.ctx, self.client)
        self.running = False
        self._socket: AsyncSocketModeHandler | None = None
        self._warm_up: asyncio.Task[None] | None = None

    @staticmethod
    def not_configured(settings: Settings) -> str | None:
        """Why the Slack app cannot start with these settings, or None when it can."""
        if not settings.slack.bot_token:
            return "SLACK_BOT_TOKEN is not set"
        if settings.slack.mode == "socket" and not settings.slack.app_token:
            return "SLACK_APP_TOKEN is not set (needed in SLACK_MODE=socket)"
        if settings.slack.mode == "http" and not settings.slack.signing_secret:
            return "SLACK_SIGNING_SECRET is not set (needed in SLACK_MODE=http)"
        if not (settings.slack.allowed_users or settings.slack.allowed_usergroups):
            return "SLACK_ALLOWED_USERS and SLACK_ALLOWED_USERGROUPS are empty: nobody may use it"
        return None

    def register_alert_listeners(self, hooks: AnswerHooks) -> None:
        """Alerts on unhappy answers: call before the survey bot takes answers."""
        if self.sender is None:
            log.info("SLACK_ALERTS_CHANNEL is not set: no real-time alerts")
            return
        AlertListener(self.factory, self.ctx.tagger, self.sender, self.ctx.clock).register(hooks)

    def _load_tagger(self) -> None:
        try:
            self.ctx.tagger()
        except Exception:
            log.exception("the feedback tagger could not be built; alerts will carry no new tags")

    @property
    def needs_http(self) -> bool:
        return self.settings.slack.mode == "http"

    def routes(self) -> list[BaseRoute]:
        """/slack/events in HTTP mode, for the HTTP server (`bot.web`) to serve."""
        if not self.needs_http:
            return []
        secret = self.settings.slack.signing_secret or ""
        return [events_route(self.app, secret, lambda: self.running)]

    async def start(self) -> str:
        """Check the token, start the alert poster and take requests; how, in a few words."""
        try:
            identity = await self.client.auth_test()
        except SlackClientError as error:
            raise SlackUnavailable(
                f"Slack refused SLACK_BOT_TOKEN or is unreachable at {self.settings.slack.api_url}"
                f": {error}"
            ) from None
        who = f"@{identity.get('user') or identity.get('user_id')}"
        if self.sender is not None:
            await self.sender.start()
            # Build the tagger now, in the background, so the first alert does not wait.
            self._warm_up = asyncio.create_task(asyncio.to_thread(self._load_tagger))
        try:
            if self.needs_http:
                how = f"http mode ({EVENTS_PATH})"
            else:
                how = await self._start_socket()
        except BaseException:
            if self.sender is not None:
                await self.sender.stop(grace=0)
            raise
        alerts = f"alerts to {self.settings.slack.alerts_channel}" if self.sender else "no alerts"
        self.running = True
        return f"{how} as {who}, {alerts}"

    async def _start_socket(self) -> str:
        token = self.settings.slack.app_token
        if not token:
            raise SlackUnavailable("SLACK_APP_TOKEN is not set (needed in SLACK_MODE=socket)")
        try:
            # slack_sdk's Socket Mode client retries a refused token forever; ask once first
            # so a revoked or mistyped SLACK_APP_TOKEN is a one-line error at start-up.
            await self.client.apps_connections_open(app_token=token)
        except SlackClientError as error:
            raise SlackUnavailable(f"Slack refused SLACK_APP_TOKEN: {error}") from None
        self._socket = AsyncSocketModeHandler(self.app, token)
        try:
            await asyncio.wait_for(self._socket.connect_async(), SOCKET_CONNECT_SECONDS)
        except TimeoutError:
            await self._close_socket()
            raise SlackUnavailable("could not open the Socket Mode connection to Slack") from None
        return "socket mode"

    async def _close_socket(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close_async()
            self._socket = None

    async def stop(self) -> None:
        """Stop taking requests, then send the alerts still queued (a few seconds at most)."""
        self.running = False
        await self._close_socket()
        if self.sender is not None:
            await self.sender.stop()
        if self._warm_up is not None:
            with contextlib.suppress(Exception):
                await self._warm_up
            self._warm_up = None
