"""The error every platform poster raises, so delivery decides retries one way for all."""

from __future__ import annotations


class PostError(Exception):
    """A platform call failed. `permanent`: retrying will not help; `retry_after`: seconds."""

    def __init__(self, message: str, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
