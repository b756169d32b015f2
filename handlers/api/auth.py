"""Bearer keys for the ingestion API.

Several keys are valid at once so one can be rotated without downtime (add the new key,
move the clients, drop the old one). Every key is compared in constant time, all of them
every time, so the answer's timing says nothing about which key came close.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from starlette.requests import Request


class BearerKeys:
    def __init__(self, keys: Sequence[str]) -> None:
        self._keys = [key.encode() for key in keys]

    def allows(self, request: Request) -> bool:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return False
        candidate = given.strip().encode()
        matched = False
        for key in self._keys:
            matched |= hmac.compare_digest(candidate, key)
        return matched
