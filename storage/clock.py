"""The one clock: timezone-aware UTC now, and the type of a clock a component is given.

Everything stored is a UTC instant; components take a `Clock` argument (tests pass a
fixed one) and default to `utcnow`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)
