"""POST /slack/events (HTTP mode): what Slack did not sign is refused before it costs anything.

Anyone on the internet can reach this URL, so the checks go from cheapest to dearest, and
the body is read only when the headers could belong to Slack:

1. the headers: `X-Slack-Request-Timestamp` must be a number of seconds within 5 minutes
   of now (Slack's rule, and bolt's) and `X-Slack-Signature` must look like `v0=` and 64
   hex digits. Missing, malformed or stale: **401**, the body unread;
2. the body, read up to `MAX_BODY_BYTES` (Slack's largest payloads, a modal's state,
   are a few dozen KB): more, declared or sent chunked, is **413**, the rest unread;
3. the signature, HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret:
   no match is **401**;
4. a body bolt cannot read (not UTF-8, a `payload` that is not a JSON object, or one whose
   fields bolt reads are of another type than Slack sends, `"actions": null` say): **400**.

Only then is the request handed to bolt, which verifies the signature again and
dispatches it. Because bolt never sees an unsigned request, its log line for a bad
signature (which carries the whole body) never fires; each refusal is logged here as
one line with the status, the reason, the size and the client address.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from handlers.body_limit import BodyTooLarge, read_limited
from handlers.slack.log_safety import clip
from handlers.slack.payload import dig

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 256 * 1024
MAX_AGE_SECONDS = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_BOLT_HEADERS = "x-slack-bolt-"  # bolt's own lazy-listener headers: never from outside
Endpoint = Callable[[Request], Awaitable[Response]]


def header_problem(headers: Headers, now: float) -> str | None:
    """Why these headers cannot be a signed Slack request, or None when they can."""
    stamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if stamp is None or signature is None:
        return "no X-Slack-Request-Timestamp or X-Slack-Signature"
    if not _TIMESTAMP.fullmatch(stamp):
        return "X-Slack-Request-Timestamp is not a number of seconds"
    if abs(now - int(stamp)) > MAX_AGE_SECONDS:
        return "X-Slack-Request-Timestamp is more than 5 minutes off"
    if not _SIGNATURE.fullmatch(signature):
        return "X-Slack-Signature is not v0=<64 hex digits>"
    return None


def signature_matches(secret: str, headers: Headers, body: bytes) -> bool:
    """Slack's v0 signature of the body, compared in constant time."""
    stamp = headers["x-slack-request-timestamp"].encode()
    expected = hmac.new(secret.encode(), b"v0:" + stamp + b":" + body, hashlib.sha256)
    return hmac.compare_digest(f"v0={expected.hexdigest()}", headers["x-slack-signature"])


# The fields bolt reads from a payload to route it, and the types Slack sends them as: bolt
# indexes into them without checking, so another type is a 500 and a traceback in bolt.
_OBJECTS = ("user", "team", "channel", "container", "view", "message", "enterprise", "event",
            "item", "previous_message", "assistant_thread", "function_data")  # fmt: skip
_NULLABLE = ("user", "team", "channel", "enterprise")  # Slack sends `"enterprise": null`
_TEXTS = ("type", "callback_id", "action_id", "block_id", "trigger_id", "response_url",
          "api_app_id", "token", "challenge", "command", "user_id", "team_id", "channel_id",
          "enterprise_id", "function_execution_id")  # fmt: skip
_LISTS = ("actions", "authorizations")


def _mistyped(data: dict[str, Any]) -> str | None:
    """The first routing field of `data` whose type is not Slack's, or None."""
    for key in _OBJECTS:
        value = data.get(key, {})
        if not isinstance(value, dict) and not (value is None and key in _NULLABLE):
            return key
    for key in _TEXTS:
        if data.get(key) is not None and not isinstance(data[key], str):
            return key
    for key in _LISTS:
        if key in data and not (
            isinstance(data[key], list) and all(isinstance(x, dict) for x in data[key])
        ):
            return key
    return None


def shape_problem(body: dict[str, Any]) -> str | None:
    """Which field bolt would trip over, or None: the payload and the objects bolt reads
    inside it (each action, the view, the user, ...) are checked alike."""
    problem = _mistyped(body)
    if problem is not None:
        return problem
    inner = [body[k] for k in _OBJECTS if isinstance(body.get(k), dict)]
    inner += [x for k in _LISTS for x in body.get(k) or ()]
    for part in inner:
        problem = _mistyped(part)
        if problem is not None:
            return problem
    kind = body.get("type")
    if kind == "block_actions" and not all(
        isinstance(action.get("action_id"), str) for action in body.get("actions") or [{}]
    ):
        return "actions"  # none, or one without its action_id
    if kind in ("view_submission", "view_closed") and not isinstance(
        dig(body, "view", "callback_id"), str
    ):
        return "view"
    return None


def bolt_request(request: Request, body: bytes) -> AsyncBoltRequest | None:
    """The request as bolt reads it, or None when bolt cannot read it.

    bolt parses the body in its request's constructor (`json.loads` of a `payload` field,
    then ids out of the JSON); any failure there means a body no Slack feature sends, so
    every exception is caught and answered 400 instead of bolt's 500 and traceback.
    """
    headers: dict[str, str | Sequence[str]] = {
        k: v for k, v in request.headers.items() if not k.startswith(_BOLT_HEADERS)
    }
    try:
        text = body.decode("utf-8")
        parsed = AsyncBoltRequest(body=text, query=request.url.query, headers=headers)
    except Exception as error:
        kind = type(error).__name__
        log.warning("unreadable signed Slack request (%d bytes): %s", len(body), kind)
        return None
    if not isinstance(parsed.body, dict):
        log.warning("signed Slack request (%d bytes) that is not an object", len(body))
        return None
    problem = shape_problem(parsed.body)
    if problem is not None:
        log.warning("signed Slack request (%d bytes) with a mistyped %s", len(body), problem)
        return None
    return parsed


def _refuse(request: Request, status: int, reason: str) -> Response:
    declared = request.headers.get("content-length", "none")
    client = request.client.host if request.client else "?"
    log.warning("refused a request to /slack/events (%d): %s; Content-Length %s, from %s",
                status, reason, clip(declared, 20), client)  # fmt: skip
    body: dict[str, Any] = {"error": "invalid request" if status == 401 else reason}
    return JSONResponse(body, status_code=status)


def events_endpoint(
    app: AsyncApp,
    signing_secret: str,
    ready: Callable[[], bool] = lambda: True,
    clock: Callable[[], float] = time.time,
) -> Endpoint:
    """The Starlette endpoint for /slack/events: 503 until `ready()`, then the checks above."""

    async def events(request: Request) -> Response:
        if not ready():
            return Response(status_code=503, headers={"Retry-After": "5"})
        problem = header_problem(request.headers, clock())
        if problem is not None:
            return _refuse(request, 401, problem)
        try:
            body = await read_limited(request, MAX_BODY_BYTES)
        except BodyTooLarge as error:
            return _refuse(request, 413, f"the body is larger than {error.limit} bytes")
        if not signature_matches(signing_secret, request.headers, body):
            return _refuse(request, 401, "the signature does not match SLACK_SIGNING_SECRET")
        parsed = bolt_request(request, body)
        if parsed is None:
            return JSONResponse({"error": "unreadable request"}, status_code=400)
        return to_starlette_response(await app.async_dispatch(parsed))

    return events
