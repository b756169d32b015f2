"""The one HTTP server: every route the configured components need, on HTTP_HOST:HTTP_PORT.

Telegram's webhook, Slack's events (HTTP mode) and the ingestion API are routes of one
Starlette app served by one uvicorn server, with /healthz beside them: one port to expose,
one TLS terminator in front, one health check for the load balancer. It runs only when a
component needs HTTP.

`run` starts it before the components (so the webhook route already listens when
`setWebhook` points Telegram at it; the routes answer 503 until their component runs) and
stops it first: requests in flight are finished and no new one is taken, then each
component finishes the work those requests handed it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from bot.http_server import QuietServer
from config import Settings
from handlers.health import PATH as HEALTH_PATH
from handlers.health import Probe, health_route
from storage.errors import UserError

GRACEFUL_SHUTDOWN_SECONDS = 20  # requests in flight get this long to finish at shutdown


class HttpUnavailable(UserError):
    """The HTTP server could not listen where HTTP_HOST/HTTP_PORT say."""

    exit_code = 2


def listening_socket(host: str, port: int) -> socket.socket:
    """Bind first, so a taken port is a one-line error and HTTP_PORT=0 gets a real port."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as error:
        raise HttpUnavailable(
            f"the HTTP server cannot listen on {host}:{port} (HTTP_HOST/HTTP_PORT): "
            f"{error.strerror or error}"
        ) from None


class WebServer:
    """The `run` component serving the HTTP routes; stopped before the others."""

    name = "http"
    stops_first = True

    def __init__(self, settings: Settings, routes: Sequence[BaseRoute], health: Probe) -> None:
        self.settings = settings
        self.app = Starlette(routes=[*routes, health_route(health)])
        self.paths = [r.path for r in routes if isinstance(r, Route)] + [HEALTH_PATH]
        self._server: QuietServer | None = None
        self._task: asyncio.Task[None] | None = None
        self.port: int | None = None

    async def start(self) -> str:
        settings = self.settings
        sock = listening_socket(settings.http.host, settings.http.port)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
        self._server = QuietServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                sock.close()
                error = self._task.exception()
                raise HttpUnavailable(f"the HTTP server stopped during start-up: {error!r}")
            await asyncio.sleep(0.01)
        return f"http://{settings.http.host}:{self.port} serving {', '.join(self.paths)}"

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(Exception):
                await self._task
        self._server = None
        self._task = None
