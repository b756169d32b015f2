"""Reading an HTTP request body with a size limit, before it can cost memory.

Starlette's `request.body()` buffers whatever the client sends, so an unauthenticated
400 MB POST becomes 400 MB (and more, in copies) of the server's memory. `read_limited`
refuses a body over `limit` bytes: at once when a declared Content-Length says so, and
otherwise (chunked, or a Content-Length that lies) as soon as the bytes actually read pass
the limit, so at most `limit` bytes plus one chunk are ever held. The rest of the body is
never read; the server answers and closes the connection.
"""

from __future__ import annotations

from starlette.requests import Request

MAX_DECLARED_DIGITS = 19  # a longer Content-Length is over any limit (and int() of it is slow)


class BodyTooLarge(Exception):
    """The body is (or says it is) larger than `limit` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit


def _declared_over(request: Request, limit: int) -> bool:
    declared = request.headers.get("content-length", "").strip()
    if not declared.isascii() or not declared.isdigit():
        return False  # none, or not a number: the bytes read are counted instead
    return len(declared) > MAX_DECLARED_DIGITS or int(declared) > limit


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body, or BodyTooLarge(limit) without reading past the limit."""
    if _declared_over(request, limit):
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
