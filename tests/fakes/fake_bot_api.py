"""A small Telegram Bot API server on 127.0.0.1 for tests and the dispatch benchmark.

It speaks the HTTP side of the Bot API that python-telegram-bot uses (`/bot<token>/<method>`
with form or JSON parameters, `{"ok": ..., "result": ...}` answers), serves `getUpdates`
long polling from a queue the test fills with Bot API-shaped update JSON, and records every
call (a `sendPhoto` upload with the photo's bytes in `Call.files`). It can misbehave like
Telegram: 429 with `retry_after` when more than `rate_limit` messages arrive within one
second (or on demand, `fail_next`), 403 for chats that blocked the bot, or an answer held
back longer than the client waits (`stall`).

It runs on its own thread and event loop, so tests can drive it from the test's loop and
from synchronous CLI calls alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from typing import Any

from aiohttp import web

TOKEN = "123456789:TEST-token-for-the-fake-bot-api-server"
BOT_ID = 123456789
BOT_USERNAME = "retention_test_bot"
JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "scope", "reply_parameters"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit"}
# Methods Telegram counts against a bot's message rate.
CHAT_METHODS = {"sendMessage", "sendPhoto", "editMessageText", "editMessageReplyMarkup"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    files: dict[str, bytes] = field(default_factory=dict)  # multipart uploads: name -> bytes


@dataclass
class _Failure:
    method: str
    status: int
    retry_after: int
    remaining: int


@dataclass
class _Stall:
    method: str
    seconds: float
    remaining: int


def multipart_form(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """The fields and the files of a multipart/form-data body.

    Parsed from the raw body with the standard library: aiohttp's own multipart reader may
    emit a DeprecationWarning mid-request, which this suite turns into an error.
    """
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b""
        if part.get_filename():
            files[name] = payload
        else:
            fields[name] = payload.decode()
    return fields, files


@dataclass
class FakeBotApi:
    token: str = TOKEN
    rate_limit: int | None = 30  # messages per rolling second before 429; None: no limit
    calls: list[Call] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    rate_limited: int = 0  # 429s answered because the pace was exceeded

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._failures: list[_Failure] = []
        self._stalls: list[_Stall] = []
        self._window: deque[float] = deque()
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._message_ids: dict[int, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._arrived: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeBotApi:
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._start_server())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._stop_server())
            loop.close()

        self._thread = threading.Thread(target=serve, name="fake-bot-api", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Bot API did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._closing = True
            if self._arrived is not None:
                self._loop.call_soon_threadsafe(self._arrived.set)  # end pending long polls
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = None

    async def _start_server(self) -> None:
        self._arrived = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _stop_server(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """The value for TELEGRAM_API_BASE_URL (python-telegram-bot appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what tests do ---------------------------------------------------------------------

    def push(self, *updates: dict[str, Any]) -> list[int]:
        """Queue updates for getUpdates (given together, they arrive in one batch).

        An update without `update_id` gets the next one; pushing the same dict twice is a
        duplicate delivery.
        """
        ids = []
        with self._lock:
            for update in updates:
                if "update_id" not in update:
                    update["update_id"] = self._next_update_id
                    self._next_update_id += 1
                else:
                    self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
                self._pending.append(update)
                ids.append(update["update_id"])
        if self._loop is not None and self._arrived is not None:
            self._loop.call_soon_threadsafe(self._arrived.set)
        return ids

    def fail_next(
        self, method: str, status: int = 429, retry_after: int = 1, count: int = 1
    ) -> None:
        with self._lock:
            self._failures.append(_Failure(method, status, retry_after, count))

    def stall(self, method: str, seconds: float, times: int = 1) -> None:
        """Hold the next `times` calls of `method` for `seconds`, then answer as usual."""
        with self._lock:
            self._stalls.append(_Stall(method, seconds, times))

    def block(self, chat_id: int) -> None:
        with self._lock:
            self.blocked.add(chat_id)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.status == 200]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of every delivered sendMessage (to `chat_id`, if given)."""
        return [
            c.params
            for c in self.calls_to("sendMessage")
            if chat_id is None or c.params.get("chat_id") == chat_id
        ]

    def texts(self, chat_id: int) -> list[str]:
        return [p["text"] for p in self.sent(chat_id)]

    def last(self, chat_id: int) -> dict[str, Any]:
        return self.sent(chat_id)[-1]

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.01)

    async def wait_sent(self, chat_id: int, count: int, timeout: float = 10.0) -> None:
        await self.wait_for(
            lambda: len(self.sent(chat_id)) >= count, timeout, f"{count} messages to {chat_id}"
        )

    # -- the Bot API -----------------------------------------------------------------------

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            raw.update(await request.json())
        elif request.content_type == "multipart/form-data":
            fields, files = multipart_form(request.headers["Content-Type"], await request.read())
            raw.update(fields)
        elif request.can_read_body:
            raw.update(dict(await request.post()))
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and key in JSON_FIELDS:
                value = json.loads(value)
            elif isinstance(value, str) and key in INT_FIELDS:
                value = int(value)
            elif isinstance(value, str) and key == "timeout":
                value = float(value)
            params[key] = value
        return params, files

    def _error(self, call: Call, status: int, description: str, **extra: Any) -> web.Response:
        call.status = status
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        body.update(extra)
        return web.json_response(body, status=status)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, files = await self._params(request)
        call = Call(method, params, time.monotonic(), files=files)
        with self._lock:
            self.calls.append(call)
        if request.match_info["token"] != self.token:
            return self._error(call, 401, "Unauthorized")
        with self._lock:
            stall = next((s for s in self._stalls if s.method == method), None)
            if stall is not None:
                stall.remaining -= 1
                if stall.remaining <= 0:
                    self._stalls.remove(stall)
        if stall is not None:
            await asyncio.sleep(stall.seconds)
        with self._lock:
            failure = next((f for f in self._failures if f.method == method), None)
            if failure is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
        if failure is not None:
            return self._failure(call, failure.status, failure.retry_after)
        if method in CHAT_METHODS:
            if call.params.get("chat_id") in self.blocked:
                return self._error(call, 403, "Forbidden: bot was blocked by the user")
            if self._over_rate(call.at):
                self.rate_limited += 1
                return self._failure(call, 429, 1)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return self._error(call, 404, "Not Found: method not found")
        result = await handler(call.params)
        return web.json_response({"ok": True, "result": result})

    def _failure(self, call: Call, status: int, retry_after: int) -> web.Response:
        if status == 429:
            return self._error(
                call,
                429,
                f"Too Many Requests: retry after {retry_after}",
                parameters={"retry_after": retry_after},
            )
        if status == 403:
            return self._error(call, 403, "Forbidden: bot was blocked by the user")
        return self._error(call, status, "Internal Server Error")

    def _over_rate(self, now: float) -> bool:
        if self.rate_limit is None:
            return False
        with self._lock:
            while self._window and self._window[0] <= now - 1.0:
                self._window.popleft()
            if len(self._window) >= self.rate_limit:
                return True
            self._window.append(now)
            return False

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Retention",
            "username": BOT_USERNAME,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getMe(self, params: dict[str, Any]) -> Any:
        return self._bot_user()

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = params.get("offset")
        deadline = time.monotonic() + min(float(params.get("timeout", 0)), 2.0)
        assert self._arrived is not None
        while True:
            self._arrived.clear()  # before looking: a push after the look wakes us
            with self._lock:
                if offset is not None:
                    self._pending = [u for u in self._pending if u["update_id"] >= offset]
                batch = list(self._pending[: params.get("limit", 100)])
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._closing:
                return batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    def _message(self, chat_id: int, reply_markup: Any, **content: Any) -> dict[str, Any]:
        """A message the bot sent: `content` is its `text`, or its `photo` and `caption`."""
        with self._lock:
            message_id = self._message_ids.get(chat_id, 1000) + 1
            self._message_ids[chat_id] = message_id
            message: dict[str, Any] = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": self._bot_user(),
                **{key: value for key, value in content.items() if value is not None},
            }
            if reply_markup:
                message["reply_markup"] = reply_markup
            self._messages[(chat_id, message_id)] = message
            return message

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        return self._message(params["chat_id"], params.get("reply_markup"), text=params["text"])

    async def _api_sendPhoto(self, params: dict[str, Any]) -> Any:
        # The photo itself is in the call's `files` (an upload) or `params` (a file_id or URL).
        with self._lock:
            photo_no = len(self._messages) + 1
        size = {"file_id": f"PHOTO{photo_no}", "file_unique_id": f"P{photo_no}"}
        return self._message(
            params["chat_id"],
            params.get("reply_markup"),
            photo=[{**size, "width": 1200, "height": 675}],
            caption=params.get("caption"),
        )

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        key = (params["chat_id"], params["message_id"])
        with self._lock:
            message = self._messages.get(key)
            if message is None:
                return True
            message.pop("reply_markup", None)
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return message


def keyboard_data(message: dict[str, Any]) -> list[str]:
    """Every callback_data on a sent message's inline keyboard, row by row."""
    markup = message.get("reply_markup") or {}
    return [button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row]
