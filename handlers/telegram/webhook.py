"""The webhook endpoint: a Starlette route, mountable into any Starlette/ASGI app.

Telegram sends the secret set with `setWebhook(secret_token=...)` in the header
`X-Telegram-Bot-Api-Secret-Token`; python-telegram-bot's own webhook server checks it, but
under our own Starlette app (where /slack/events and /api will live too) we must, so
anyone who finds the URL cannot inject updates. A request without the right secret gets
403 and is never parsed.
"""

from __future__ import annotations

import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/telegram/webhook"
MAX_BODY = 1 << 20  # updates are a few KB; refuse anything absurd before reading it


def webhook_route(application: Application, secret: str, path: str = PATH) -> Route:  # type: ignore[type-arg]
    """A POST route that queues verified updates on the running `application`.

    Until the application runs (start-up, shutdown) the answer is 503: Telegram keeps the
    update and delivers it again, so none is taken in that nobody would handle.
    """
    expected = secret.encode()

    async def endpoint(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("webhook call without the right secret from %s", request.client)
            return Response(status_code=403)
        if not application.running:
            return Response(status_code=503, headers={"Retry-After": "5"})
        if int(request.headers.get("content-length") or 0) > MAX_BODY:
            return Response(status_code=413)
        try:
            data = json.loads(await request.body())
            if not isinstance(data, dict):
                raise ValueError("not an object")
            update = Update.de_json(data, application.bot)
        except Exception as error:  # whatever the body is, it is not an update we can use
            log.warning("webhook body is not an update: %r", error)
            return Response(status_code=400)
        await application.update_queue.put(update)
        return Response()

    return Route(path, endpoint, methods=["POST"])
