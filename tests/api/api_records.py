"""Records a CRM or billing system would send, the API keys, and a follow-up recorder."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CUSTOMERS: list[dict[str, Any]] = [
    {"external_id": "c-1", "name": "Acme ApS", "email": "ops@acme.example", "language": "da",
     "plan": "pro", "mrr": "49.00", "signed_up_at": "2026-01-15T09:00:00Z"},
    {"external_id": "c-2", "name": "Бета", "language": "ru", "plan": "basic", "mrr": 19.99,
     "signed_up_at": "2026-02-01"},
    {"external_id": "c-3", "name": "伽马", "language": "zh", "mrr": 0,
     "signed_up_at": "2026-03-10T12:00:00+08:00"},
]  # fmt: skip
EVENTS: list[dict[str, Any]] = [
    {"event_id": "e-1", "external_id": "c-1", "type": "payment_succeeded",
     "occurred_at": "2026-11-01T00:00:00Z", "amount": "49.00"},
    {"event_id": "e-2", "external_id": "c-2", "type": "activity",
     "occurred_at": "2026-11-02T08:00:00Z"},
    {"event_id": "e-3", "external_id": "c-3", "type": "payment_failed",
     "occurred_at": "2026-11-03T08:00:00Z", "amount": 0},
]  # fmt: skip


KEY = "k" * 16 + "0123456789abcdef0123"
NEXT_KEY = "n" * 16 + "fedcba9876543210fedc"  # the second key of a rotation
AUTH = {"Authorization": f"Bearer {KEY}"}


class Followed:
    """Records what `after_import` was handed, as the bot's follow-up work would get it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Mapping[str, Any]]]] = []

    async def __call__(self, kind: str, records: list[Mapping[str, Any]]) -> None:
        self.calls.append((kind, records))
