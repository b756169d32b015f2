"""The webhook endpoint: a Starlette route, mountable into any Starlette/ASGI app.

Telegram sends the secret set with `setWebhook(secret_token=...)` in the header
`X-Telegram-Bot-Api-Secret-Token`; python-telegram-bot's own webhook server checks it, but
under our own Starlette app (where /slack/events and /api live too) we must, so anyone who
finds the URL cannot inject updates. A request without the right secret gets 403 and is
never read.

Telegram never resends an update it got a 200 for, so the 200 comes only after the update
is committed to the inbox (`surveys.intake`); if storing fails the answer is 503 and
Telegram delivers it again. The update is handled afterwards, from the database.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram.ext import Application

from handlers.body_limit import BodyTooLarge, read_limited
from handlers.telegram.intake import NotAnUpdate, delivery
from insights.json_depth import json_depth_exceeds
from surveys.intake import Intake

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/telegram/webhook"
MAX_BODY = 1 << 20  # updates are a few KB; refuse anything absurd before reading it


def webhook_route(
    application: Application,  # type: ignore[type-arg]
    secret: str,
    intake: Intake,
    ready: Callable[[], bool],
    path: str = PATH,
) -> Route:
    """A POST route that stores verified updates in the inbox, then answers 200.

    Until the bot runs (start-up, shutdown) the answer is 503: Telegram keeps the update
    and delivers it again.
    """
    expected = secret.encode()

    async def endpoint(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            log.warning("webhook call without the right secret from %s", request.client)
            return Response(status_code=403)
        if not ready():
            return Response(status_code=503, headers={"Retry-After": "5"})
        try:
            body = await read_limited(request, MAX_BODY)
        except BodyTooLarge:
            log.warning("webhook body over %d bytes refused", MAX_BODY)
            return Response(status_code=413)
        try:
            if json_depth_exceeds(body.decode("utf-8", "replace")):
                raise NotAnUpdate("nested too deeply")
            entry = delivery(application.bot.id, json.loads(body), application.bot)
        except (ValueError, RecursionError) as error:  # not an update we can use
            log.warning("webhook body (%d bytes) is not an update: %s", len(body), error)
            return Response(status_code=400)
        try:
            await intake.store([entry])
        except Exception as error:
            # The error's type only: a driver's message may quote the update's text.
            log.error(
                "could not store update %s (%d bytes); Telegram will resend it: %s",
                entry.delivery_id,
                len(body),
                type(error).__name__,
            )
            return Response(status_code=503, headers={"Retry-After": "5"})
        return Response()

    return Route(path, endpoint, methods=["POST"])
