"""POST /api/events accepts `subscription_changed` with its new MRR, refuses it without
one, and the replay then keeps the customer's MRR at the newest amount."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from api_records import AUTH, CUSTOMERS
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from insights import lifecycle
from storage.models import Customer, Event


async def test_subscription_changed_is_stored_and_moves_the_mrr(
    client: httpx.AsyncClient, factory: sessionmaker[Session]
) -> None:
    await client.post("/api/customers", json=CUSTOMERS, headers=AUTH)
    batch = [
        {"event_id": "s-1", "external_id": "c-1", "type": "subscription_started",
         "occurred_at": "2026-01-15T09:00:00Z", "amount": "49.00"},
        {"event_id": "s-2", "external_id": "c-1", "type": "subscription_changed",
         "occurred_at": "2026-06-01T09:00:00Z", "amount": 99},
        {"event_id": "s-3", "external_id": "c-2", "type": "subscription_changed",
         "occurred_at": "2026-06-01T09:00:00Z"},
        {"event_id": "s-4", "external_id": "c-2", "type": "subscription_changed",
         "occurred_at": "2026-06-01T09:00:00Z", "amount": "-5"},
    ]  # fmt: skip
    response = await client.post("/api/events", json=batch, headers=AUTH)
    assert response.status_code == 422
    body = response.json()
    assert body["inserted"] == 2
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(2, "amount"), (3, "amount")]
    now = datetime.now(UTC)
    with factory() as session, session.begin():
        lifecycle.refresh(session, now, timedelta(days=14))
    with factory() as session:
        kinds = dict(session.execute(select(Event.event_id, Event.type)).all())
        mrr, status = session.execute(
            select(Customer.mrr, Customer.status).where(Customer.external_id == "c-1")
        ).one()
    assert kinds == {"s-1": "subscription_started", "s-2": "subscription_changed"}
    assert (mrr, status) == (Decimal("99.00"), "active")  # a change is not a churn
