"""GET /healthz: what a load balancer, a container runtime or an operator asks first.

200 when the process can do its work (database reachable, schema current, every
configured component running), 503 otherwise; the JSON body says which part is not, so
the answer to "why is it unhealthy?" is in the response and not only in the logs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PATH = "/healthz"
Probe = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


def health_route(probe: Probe) -> Route:
    async def endpoint(_: Request) -> Response:
        healthy, body = await probe()
        return JSONResponse(
            body, status_code=200 if healthy else 503, headers={"Cache-Control": "no-store"}
        )

    return Route(PATH, endpoint, methods=["GET"])
