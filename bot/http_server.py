"""uvicorn as a part of `retention-bot run`, which owns SIGINT and SIGTERM itself."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn


class QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: `run` stops every component in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
