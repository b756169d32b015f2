"""`read_limited`: a body over the limit is refused without reading past the limit."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from handlers.body_limit import BodyTooLarge, read_limited


class Sender:
    """An ASGI `receive` handing out `chunks`, counting how many were taken."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.taken = 0

    async def __call__(self) -> dict[str, Any]:
        chunk = self.chunks[self.taken]
        self.taken += 1
        return {"type": "http.request", "body": chunk, "more_body": self.taken < len(self.chunks)}


def request(sender: Sender, content_length: str | None = None) -> Request:
    headers = [] if content_length is None else [(b"content-length", content_length.encode())]
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    return Request(scope, sender)


async def test_a_body_at_the_limit_is_read_whole() -> None:
    sender = Sender([b"ab", b"cd", b"e"])
    assert await read_limited(request(sender), 5) == b"abcde"


async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    sender = Sender([b"x" * 10])
    with pytest.raises(BodyTooLarge) as refused:
        await read_limited(request(sender, "10"), 9)
    assert refused.value.limit == 9 and sender.taken == 0
    with pytest.raises(BodyTooLarge):  # 40 digits: over any limit, not parsed
        await read_limited(request(Sender([b""]), "9" * 40), 1 << 30)


async def test_a_chunked_body_stops_being_read_at_the_limit() -> None:
    sender = Sender([b"x" * 4] * 1000)
    with pytest.raises(BodyTooLarge):
        await read_limited(request(sender), 10)
    assert sender.taken == 3  # 12 bytes read: the chunk that passed the limit, no more


@pytest.mark.parametrize("declared", ["abc", "", " 3 ", "-1"])
async def test_an_unreadable_content_length_counts_the_bytes_instead(declared: str) -> None:
    assert await read_limited(request(Sender([b"abc"]), declared), 3) == b"abc"
    with pytest.raises(BodyTooLarge):
        await read_limited(request(Sender([b"abcd"]), declared), 3)
