"""POST /api/customers, /api/events, /api/responses: auth, validation, batches, idempotency."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from api_records import AUTH, CUSTOMERS, EVENTS, KEY, NEXT_KEY, Followed
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from handlers.api import IngestApi
from storage.models import Answer, Customer, Event, SurveySession


def count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key-wrong-key-wrong-key-0000"},
        {"Authorization": f"Basic {KEY}"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Bearer {KEY}x"},
    ],
)
async def test_a_missing_or_wrong_key_is_401_and_stores_nothing(
    client: httpx.AsyncClient, factory: sessionmaker[Session], headers: dict[str, str]
) -> None:
    response = await client.post("/api/customers", json=CUSTOMERS, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "API_KEYS" in response.json()["error"]
    assert count(factory, Customer) == 0


async def test_either_key_of_a_rotation_is_accepted(client: httpx.AsyncClient) -> None:
    first = await client.post("/api/customers", json=CUSTOMERS[:1], headers=AUTH)
    assert first.status_code == 200
    rotated = {"Authorization": f"bearer {NEXT_KEY}"}  # the scheme is case-insensitive
    second = await client.post("/api/customers", json=CUSTOMERS[1:], headers=rotated)
    assert second.status_code == 200


async def test_a_bad_record_is_422_naming_index_and_field_and_the_rest_is_kept(
    client: httpx.AsyncClient, factory: sessionmaker[Session], followed: Followed, ingest: IngestApi
) -> None:
    batch = [
        CUSTOMERS[0],
        {**CUSTOMERS[1], "mrr": "a lot"},
        {**CUSTOMERS[2], "signed_up_at": "yesterday-ish"},
        "not an object",
        {"external_id": "c-9", "signed_up_at": "2026-03-01", "email": "nope"},
        {"external_id": "c-10", "signed_up_at": "2026-03-01", "mrr": 12.5},
    ]
    response = await client.post("/api/customers", json=batch, headers=AUTH)
    assert response.status_code == 422
    body = response.json()
    assert body["received"] == 6 and body["inserted"] == 2 and body["rejected"] == 4
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (1, "mrr"),
        (2, "signed_up_at"),
        (3, None),
        (4, "email"),
    ]
    assert body["errors"][0]["message"] == "mrr 'a lot' is not a number"
    with factory() as session:
        stored = {
            row[0]: row[1] for row in session.execute(select(Customer.external_id, Customer.mrr))
        }
    assert stored == {"c-1": Decimal("49.00"), "c-10": Decimal("12.50")}
    await ingest.drain()  # the follow-up runs after the answer
    ((kind, records),) = followed.calls
    assert kind == "customers"
    assert [r["external_id"] for r in records] == ["c-1", "c-10"]  # only what was stored


async def test_sending_the_same_batch_again_changes_nothing(
    client: httpx.AsyncClient, factory: sessionmaker[Session]
) -> None:
    await client.post("/api/customers", json=CUSTOMERS, headers=AUTH)
    first = await client.post("/api/events", json=EVENTS, headers=AUTH)
    assert first.json()["inserted"] == len(EVENTS)
    again = await client.post("/api/events", json=EVENTS, headers=AUTH)
    assert again.status_code == 200
    assert again.json() | {"errors": []} == {
        "received": len(EVENTS), "inserted": 0, "updated": 0,
        "unchanged": len(EVENTS), "rejected": 0, "errors": [],
    }  # fmt: skip
    assert count(factory, Event) == len(EVENTS)
    changed = {**EVENTS[0], "amount": "59.00"}
    updated = await client.post("/api/events", json=changed, headers=AUTH)
    assert updated.json()["updated"] == 1
    with factory() as session:
        amount = session.scalar(select(Event.amount).where(Event.event_id == "e-1"))
    assert amount == Decimal("59.00")


async def test_events_name_the_unknown_customer_and_the_bad_type(
    client: httpx.AsyncClient, factory: sessionmaker[Session]
) -> None:
    await client.post("/api/customers", json=CUSTOMERS, headers=AUTH)
    batch = [
        {**EVENTS[0], "external_id": "nobody"},
        {**EVENTS[1], "type": "subscription_paused"},
        EVENTS[2],
        EVENTS[2],  # the same record twice in one batch: stored once, not an error
    ]
    response = await client.post("/api/events", json=batch, headers=AUTH)
    assert response.status_code == 422
    errors = {e["index"]: e for e in response.json()["errors"]}
    assert errors[0]["field"] == "external_id"
    assert "unknown customer 'nobody'" in errors[0]["message"]
    assert errors[1]["field"] == "type" and "subscription_cancelled" in errors[1]["message"]
    assert set(errors) == {0, 1}
    assert count(factory, Event) == 1


async def test_one_object_is_a_batch_of_one_and_unknown_fields_are_warned(
    client: httpx.AsyncClient,
) -> None:
    one = {**CUSTOMERS[0], "favourite_colour": "teal"}
    response = await client.post("/api/customers", json=one, headers=AUTH)
    assert response.status_code == 200
    assert response.json()["inserted"] == 1
    assert response.json()["warnings"] == ["unknown field 'favourite_colour' ignored"]


async def test_responses_are_stored_as_completed_surveys(
    client: httpx.AsyncClient, factory: sessionmaker[Session], followed: Followed, ingest: IngestApi
) -> None:
    await client.post("/api/customers", json=CUSTOMERS, headers=AUTH)
    batch = [
        {"response_id": "r-1", "external_id": "c-1", "survey": "nps", "score": 3,
         "comment": "Too expensive for what we use", "answered_at": "2026-11-20T10:00:00Z"},
        {"response_id": "r-2", "external_id": "c-2", "survey": "nps", "score": 11,
         "answered_at": "2026-11-20T10:00:00Z"},
    ]  # fmt: skip
    response = await client.post("/api/responses", json=batch, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "score"
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(SurveySession)) == 1
        assert session.scalar(select(Answer.score).where(Answer.score.is_not(None))) == 3
    await ingest.drain()  # the follow-up runs after the answer
    assert [kind for kind, _ in followed.calls] == ["customers", "responses"]


@pytest.mark.parametrize(
    ("content", "content_type", "status", "says"),
    [
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b"[]", "application/json", 400, "empty"),
        (b'"a string"', "application/json", 400, "JSON object"),
        (b"external_id,signed_up_at", "text/csv", 415, "application/json"),
        (b"[" + b",".join([b"{}"] * 11) + b"]", "application/json", 413, "at most 10"),
    ],
)
async def test_a_body_that_is_not_records_is_refused_whole(
    client: httpx.AsyncClient, content: bytes, content_type: str, status: int, says: str
) -> None:
    headers = {**AUTH, "Content-Type": content_type}
    response = await client.post("/api/customers", content=content, headers=headers)
    assert response.status_code == status
    assert says in response.json()["error"]


async def test_the_openapi_document_describes_what_the_validator_accepts(
    client: httpx.AsyncClient, ingest: IngestApi
) -> None:
    from storage.models import EVENT_TYPES

    response = await client.get("/api/openapi.json")  # no key needed: it holds no data
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/api/customers", "/api/events", "/api/responses"}
    event = document["components"]["schemas"]["Event"]
    assert event["properties"]["type"]["enum"] == list(EVENT_TYPES)
    assert set(event["required"]) == {"event_id", "external_id", "type", "occurred_at"}
    post = document["paths"]["/api/events"]["post"]
    assert {"200", "401", "422"} <= set(post["responses"])
    assert post["security"] == [{"bearer": []}]


async def test_the_api_answers_503_until_the_process_has_started(
    client: httpx.AsyncClient, ingest: IngestApi, factory: sessionmaker[Session]
) -> None:
    ingest.ready = lambda: False  # the Telegram bot, which follows cancellations, not up yet
    response = await client.post("/api/customers", json=CUSTOMERS, headers=AUTH)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert count(factory, Customer) == 0
    ingest.ready = lambda: True
    assert (await client.post("/api/customers", json=CUSTOMERS, headers=AUTH)).status_code == 200


async def test_a_duplicate_in_a_batch_names_the_first_index(client: httpx.AsyncClient) -> None:
    batch = [CUSTOMERS[0], {**CUSTOMERS[0], "mrr": "1.00"}]
    response = await client.post("/api/customers", json=batch, headers=AUTH)
    assert response.status_code == 422
    (problem,) = response.json()["errors"]
    assert problem == {
        "index": 1, "field": "external_id", "message": "duplicate id 'c-1' (first at index 0)",
    }  # fmt: skip
