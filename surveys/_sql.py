"""Small SQL helpers shared by the survey modules."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result


def affected(result: Result[Any]) -> int:
    """Rows changed by an INSERT/UPDATE/DELETE (typed `Result` hides `rowcount`)."""
    return cast("CursorResult[Any]", result).rowcount
