"""Small Slack Web API and Telegram Bot API servers on 127.0.0.1 for the digest tests.

Each runs an aiohttp app on its own thread and event loop (so synchronous CLI calls and
async tests can both use it), records every request with its parsed parameters, and can
misbehave on demand: answer a method with an error status for the next N calls, or stall
longer than the client's timeout. Nothing leaves the loopback interface.

Slack: `chat.postMessage`, `files.getUploadURLExternal`, the upload URL it hands out (on
this same server), `files.completeUploadExternal`. Telegram: `sendMessage`, `sendPhoto`.
"""

from __future__ import annotations

import asyncio
import email.policy
import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from typing import Any

from aiohttp import web

SLACK_TOKEN = "xoxb-1234-5678-testtokenfordigest"
TELEGRAM_TOKEN = "123456789:TEST-token-for-the-digest-fake-bot-api"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    files: dict[str, bytes] = field(default_factory=dict)
    status: int = 200


@dataclass
class _Trouble:
    method: str
    remaining: int
    status: int = 500
    body: dict[str, Any] | None = None
    stall: float = 0.0


class FakeApi:
    """Base: a recording aiohttp server in a thread. Subclasses add the routes."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.port = 0
        self._troubles: list[_Trouble] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    # -- control -----------------------------------------------------------------------

    def fail(
        self, method: str, times: int = 1, status: int = 500, body: dict[str, Any] | None = None
    ) -> None:
        """Answer the next `times` calls of `method` with `status` (and `body`)."""
        with self._lock:
            self._troubles.append(_Trouble(method, times, status, body))

    def stall(self, method: str, seconds: float, times: int = 1) -> None:
        """Hold the next `times` calls of `method` for `seconds` before answering."""
        with self._lock:
            self._troubles.append(_Trouble(method, times, stall=seconds))

    def methods(self) -> list[str]:
        with self._lock:
            return [call.method for call in self.calls if call.status == 200]

    def successful(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.status == 200]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle ---------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def start(self) -> FakeApi:
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application(client_max_size=20 * 1024 * 1024)
            self.routes(app)
            self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake API server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    # -- helpers for routes ------------------------------------------------------------

    async def _parse(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.content_type == "multipart/form-data":
            # Parsed from the raw body: aiohttp's own multipart reader may emit a
            # DeprecationWarning mid-request, which this suite turns into an error.
            body = await request.read()
            head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
            message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                if part.get_filename():
                    files[str(name)] = payload
                else:
                    params[str(name)] = payload.decode()
        elif request.content_type == "application/x-www-form-urlencoded":
            params = dict(await request.post())
        else:
            files["body"] = await request.read()
        params.update({k: v for k, v in request.query.items() if k not in params})
        return params, files

    async def _trouble(self, method: str) -> _Trouble | None:
        with self._lock:
            for trouble in self._troubles:
                if trouble.method == method and trouble.remaining > 0:
                    trouble.remaining -= 1
                    return trouble
        return None

    async def _record(self, request: web.Request, method: str) -> tuple[Call, web.Response | None]:
        params, files = await self._parse(request)
        call = Call(method, params, dict(request.headers), files)
        trouble = await self._trouble(method)
        if trouble is not None and trouble.stall:
            await asyncio.sleep(trouble.stall)
            trouble = None
        with self._lock:
            self.calls.append(call)
        if trouble is not None:
            call.status = trouble.status
            body = trouble.body or {"ok": False, "error": "internal_error"}
            return call, web.json_response(body, status=trouble.status)
        return call, None


class FakeSlackApi(FakeApi):
    """The part of the Slack Web API the digest uses."""

    def __init__(self, token: str = SLACK_TOKEN) -> None:
        super().__init__()
        self.token = token
        self.uploads: dict[str, bytes] = {}
        self._file_no = 0
        self._ts_no = 0

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call, failed = await self._record(request, method)
        if failed is not None:
            return failed
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            call.status = 401
            return web.json_response({"ok": False, "error": "invalid_auth"})
        params = call.params
        if method == "chat.postMessage":
            with self._lock:
                self._ts_no += 1
                ts = f"1763900000.{self._ts_no:06d}"
            return web.json_response({"ok": True, "channel": params.get("channel"), "ts": ts})
        if method == "files.getUploadURLExternal":
            with self._lock:
                self._file_no += 1
                file_id = f"F{self._file_no:08d}"
            return web.json_response(
                {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
            )
        if method == "files.completeUploadExternal":
            files = params.get("files")
            if isinstance(files, str):
                files = json.loads(files)
            return web.json_response(
                {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
            )
        call.status = 404
        return web.json_response({"ok": False, "error": "unknown_method"})

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        call, failed = await self._record(request, "upload")
        if failed is not None:
            return failed
        data = next(iter(call.files.values()), b"")
        with self._lock:
            self.uploads[file_id] = data
        return web.Response(text=f"OK - {len(data)}")


class FakeTelegramApi(FakeApi):
    """`sendMessage` and `sendPhoto` of the Telegram Bot API."""

    def __init__(self, token: str = TELEGRAM_TOKEN) -> None:
        super().__init__()
        self.token = token
        self._message_no = 0

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._api)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call, failed = await self._record(request, method)
        if failed is not None:
            return failed
        if request.match_info["token"] != self.token:
            call.status = 401
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        if method not in ("sendMessage", "sendPhoto"):
            call.status = 404
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        with self._lock:
            self._message_no += 1
            message_id = self._message_no
        chat_id = int(call.params["chat_id"])
        return web.json_response(
            {"ok": True, "result": {"message_id": message_id, "chat": {"id": chat_id}}}
        )
