"""A small Slack Web API on 127.0.0.1 for the Slack tests, plus the response_url endpoint.

An aiohttp app on its own thread and event loop (so a test's loop blocking on a database
call never stalls it). It answers `auth.test`, `chat.postMessage`, `chat.update`,
`usergroups.users.list`, `views.open` and the file upload (`files.getUploadURLExternal`,
the upload URL it hands out, recorded as method "upload", `files.completeUploadExternal`)
as Slack does (form, query, JSON or multipart parameters; bearer token checked), keeps the
posted messages so a test can read the current text of an alert, and records every call
with its headers and the moment it arrived. `/response/<id>` stands in for the
response_url Slack gives each command and click. `fail()` makes the next calls of a method
answer with an error, e.g. 429 with a Retry-After header, or `ok: false` with status 200;
`stall()` holds them back longer than the client waits.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from fake_bot_api import multipart_form

TOKEN = "xoxb-1111-2222-slacktestbottoken"
APP_TOKEN = "xapp-1-A0APP00001-1111-slacktestapptoken"
BOT_USER = "U0BOTUSER1"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() on arrival
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Trouble:
    method: str
    remaining: int
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0  # seconds to hold the call, then answer it as usual


class FakeSlackApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[tuple[str, dict[str, Any], float]] = []  # (id, body, at)
        self.messages: dict[str, dict[str, Any]] = {}  # ts -> message (channel, text, blocks)
        self.usergroups: dict[str, list[str]] = {}
        self.port = 0
        self._troubles: list[_Trouble] = []
        self._lock = threading.Lock()
        self._ts = 1_700_000_000
        self._file_no = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._socket: web.WebSocketResponse | None = None
        self.socket_acks: list[dict[str, Any]] = []  # what the app sent back over Socket Mode
        self.uploads: dict[str, bytes] = {}  # file id -> bytes sent to its upload URL
        self.shared_files: list[dict[str, Any]] = []  # files.completeUploadExternal params

    # -- control -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{key}"

    def fail(
        self,
        method: str,
        times: int = 1,
        status: int = 429,
        error: str = "ratelimited",
        retry_after: int | None = 1,
    ) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._lock:
            self._troubles.append(
                _Trouble(method, times, status, {"ok": False, "error": error}, headers)
            )

    def stall(self, method: str, seconds: float, times: int = 1) -> None:
        """Hold the next `times` calls of `method` for `seconds` before answering."""
        with self._lock:
            self._troubles.append(_Trouble(method, times, 200, {}, stall=seconds))

    def methods(self) -> list[str]:
        """The methods of the successful calls, in the order they arrived."""
        with self._lock:
            return [c.method for c in self.calls if c.status == 200]

    def calls_to(self, method: str, ok_only: bool = True) -> list[Call]:
        with self._lock:
            return [
                c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)
            ]

    def responses_to(self, key: str) -> list[dict[str, Any]]:
        with self._lock:
            return [body for k, body, _ in self.responses if k == key]

    async def wait_response(self, key: str, count: int = 1, timeout: float = 5.0) -> dict[str, Any]:
        """The `count`-th body posted to response_url `key`, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.responses_to(key)
            if len(found) >= count:
                return found[count - 1]
            await asyncio.sleep(0.01)
        raise AssertionError(f"nothing posted to response_url {key!r} within {timeout}s")

    async def wait_calls(self, method: str, count: int, timeout: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.01)
        raise AssertionError(
            f"{method}: {len(self.calls_to(method))} calls within {timeout}s, expected {count}"
        )

    # -- server --------------------------------------------------------------------------

    def start(self) -> FakeSlackApi:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application(client_max_size=20 * 1024 * 1024)
            app.router.add_route("*", "/api/{method}", self._api)
            app.router.add_post("/response/{key}", self._response)
            app.router.add_get("/socket", self._websocket)
            app.router.add_post("/upload/{file_id}", self._upload)
            self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self.port = self._runner.addresses[0][1]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-slack-api", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    # -- Socket Mode -----------------------------------------------------------------------

    @property
    def socket_connected(self) -> bool:
        return self._socket is not None and not self._socket.closed

    def send_envelope(self, kind: str, payload: dict[str, Any], envelope_id: str) -> None:
        """Deliver one Socket Mode envelope (`slash_commands`, `interactive`) to the app."""
        message = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        assert self._loop is not None and self._socket is not None
        socket = self._socket
        asyncio.run_coroutine_threadsafe(socket.send_json(message), self._loop).result(5)

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP00001"}}
        )
        async for message in socket:
            if message.type == web.WSMsgType.TEXT:
                with self._lock:
                    self.socket_acks.append(json.loads(message.data))
        return socket

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            elif request.content_type == "multipart/form-data":
                body = await request.read()
                params.update(multipart_form(request.headers["Content-Type"], body)[0])
            else:
                params.update(dict(await request.post()))
        for key in ("blocks", "view", "files"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _trouble(self, call: Call) -> web.Response | None:
        """Apply a pending `fail` or `stall` of the call's method: the error to answer, if any."""
        with self._lock:
            trouble = next(
                (t for t in self._troubles if t.method == call.method and t.remaining), None
            )
            if trouble is not None:
                trouble.remaining -= 1
                if not trouble.stall:
                    call.status = trouble.status
        if trouble is None:
            return None
        if trouble.stall:
            await asyncio.sleep(trouble.stall)
            return None
        return web.json_response(trouble.body, status=trouble.status, headers=trouble.headers)

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL: the file's bytes, raw (as slack_sdk sends them) or multipart."""
        file_id = request.match_info["file_id"]
        if request.content_type == "multipart/form-data":
            files = multipart_form(request.headers["Content-Type"], await request.read())[1]
            data = next(iter(files.values()), b"")
        else:
            data = await request.read()
        call = Call("upload", {"file_id": file_id}, time.monotonic(), headers=dict(request.headers))
        with self._lock:
            self.calls.append(call)
        failed = await self._trouble(call)
        if failed is not None:
            return failed
        with self._lock:
            self.uploads[file_id] = data
        return web.Response(text=f"OK - {len(data)}")

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._lock:
            self.responses.append((request.match_info["key"], body, time.monotonic()))
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, time.monotonic(), headers=dict(request.headers))
        with self._lock:
            self.calls.append(call)
        failed = await self._trouble(call)
        if failed is not None:
            return failed
        expected = APP_TOKEN if method == "apps.connections.open" else TOKEN
        if request.headers.get("Authorization") != f"Bearer {expected}":
            call.status = 401
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return web.json_response(self._answer(method, params))

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        if method == "auth.test":
            return {
                "ok": True,
                "user": "retention",
                "user_id": BOT_USER,
                "team_id": "T0TEAM0001",
                "team": "Test",
                "bot_id": "B0BOT00001",
                "url": "https://test.slack.com/",
            }
        if method == "chat.postMessage":
            with self._lock:
                self._ts += 1
                ts = f"{self._ts}.000100"
                self.messages[ts] = {
                    "channel": params.get("channel"),
                    "text": params.get("text"),
                    "blocks": params.get("blocks"),
                }
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": ts,
                "message": {"text": params.get("text")},
            }
        if method == "chat.update":
            ts = str(params.get("ts"))
            with self._lock:
                if ts not in self.messages:
                    return {"ok": False, "error": "message_not_found"}
                self.messages[ts].update(text=params.get("text"), blocks=params.get("blocks"))
            return {"ok": True, "channel": params.get("channel"), "ts": ts}
        if method == "usergroups.users.list":
            group = str(params.get("usergroup"))
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.usergroups[group]}
        if method == "files.getUploadURLExternal":
            with self._lock:
                self._file_no += 1
                file_id = f"F{self._file_no:09d}"
            return {
                "ok": True,
                "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
                "file_id": file_id,
            }
        if method == "files.completeUploadExternal":
            with self._lock:
                self.shared_files.append(params)
            files = params.get("files") or []
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        if method == "views.open":
            return {"ok": True, "view": {"id": "V0VIEW0001", **(params.get("view") or {})}}
        return {"ok": False, "error": "unknown_method"}
