"""Simultaneous requests that update one id: last to commit wins, nobody is told "duplicate".

A duplicate is two versions of one id in the same request. Two requests in flight for
the same customer are two updates: before the fix, the second to look saw a row written
after its own start and refused its record as `duplicate id ... (earlier in this run)`,
dropping the change (16 of 30 pairs in the review).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest
from api_records import AUTH, CUSTOMERS, EVENTS
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handlers.api import IngestApi
from storage.models import Answer, Customer, Event, SurveySession

ROUNDS = 30
AT_ONCE = 3


def _customer(version: int) -> dict[str, Any]:
    return {**CUSTOMERS[0], "mrr": f"{version}.00", "plan": f"plan-{version}"}


def _event(version: int) -> dict[str, Any]:
    return {**EVENTS[0], "amount": f"{version}.00"}


def _response(version: int) -> dict[str, Any]:
    return {
        "response_id": "r-1",
        "external_id": "c-1",
        "survey": "nps",
        "score": version % 11,
        "comment": f"version {version}",
        "answered_at": "2026-11-20T14:05:00Z",
    }


def _stored(factory: sessionmaker[Session], kind: str) -> object:
    with factory() as session:
        if kind == "customers":
            return session.execute(select(Customer.mrr)).scalar_one()
        if kind == "events":
            return session.execute(select(Event.amount)).scalar_one()
        (session_id,) = session.execute(select(SurveySession.id)).one()
        return session.execute(
            select(Answer.text).where(Answer.session_id == session_id, Answer.question == "comment")
        ).scalar_one()


VERSIONS = {"customers": _customer, "events": _event, "responses": _response}


def _value(kind: str, version: int) -> object:
    if kind == "responses":
        return f"version {version}"
    return Decimal(f"{version}.00")


@pytest.mark.parametrize("kind", sorted(VERSIONS))
async def test_simultaneous_updates_of_one_id_are_not_refused_as_duplicates(
    client: httpx.AsyncClient, factory: sessionmaker[Session], kind: str
) -> None:
    make = VERSIONS[kind]
    assert (await client.post("/api/customers", json=CUSTOMERS[:1], headers=AUTH)).is_success
    if kind != "customers":
        first = await client.post(f"/api/{kind}", json=make(0), headers=AUTH)
        assert first.status_code == 200, first.text
    refused: list[str] = []
    for round_ in range(ROUNDS):
        versions = [round_ * AT_ONCE + n + 1 for n in range(AT_ONCE)]
        answers = await asyncio.gather(
            *(client.post(f"/api/{kind}", json=make(v), headers=AUTH) for v in versions)
        )
        for answer in answers:
            body = answer.json()
            if answer.status_code != 200:
                refused.append(f"round {round_}: {answer.status_code} {body}")
                continue
            assert body["received"] == 1
            assert body["inserted"] + body["updated"] + body["unchanged"] == 1
        # One of the round's versions is stored whole: the one committed last.
        assert _stored(factory, kind) in {_value(kind, v) for v in versions}
    assert refused == []
    with factory() as session:  # one row per id, however the requests interleaved
        model = {"customers": Customer, "events": Event, "responses": SurveySession}[kind]
        assert len(session.execute(select(model.id)).all()) == 1


async def test_batches_sharing_ids_in_opposite_orders_do_not_deadlock(
    client: httpx.AsyncClient, factory: sessionmaker[Session], ingest: IngestApi
) -> None:
    """Rows are locked in key order: PostgreSQL answered one of these with a deadlock (500)."""
    ingest.max_batch = 100
    base = [{"external_id": f"c-{n}", "signed_up_at": "2026-01-01", "mrr": "1"} for n in range(60)]
    assert (await client.post("/api/customers", json=base, headers=AUTH)).status_code == 200
    for round_ in range(10):
        forward = [{**row, "mrr": f"{round_}.10"} for row in base]
        backward = [{**row, "mrr": f"{round_}.20"} for row in reversed(base)]
        answers = await asyncio.gather(
            client.post("/api/customers", json=forward, headers=AUTH),
            client.post("/api/customers", json=backward, headers=AUTH),
        )
        assert [answer.status_code for answer in answers] == [200, 200]
        with factory() as session:
            stored = set(session.scalars(select(Customer.mrr)))
        assert stored <= {Decimal(f"{round_}.10"), Decimal(f"{round_}.20")}
