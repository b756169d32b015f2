"""Records a client should never send: refused one by one with 422, the rest stored.

Before, each of these answered 500 and stored none of the batch's good records (NUL on
PostgreSQL, lone surrogates, overflowing offsets, an MRR rounding past its column), or was
stored and then broke every later events batch (a payment failed in 9999).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from api_records import AUTH, CUSTOMERS, EVENTS
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Customer, Event, SurveySession

HUGE = "1" * 5000  # more digits than Python's int() reads: replaced into the body as is
MODELS = {"customers": Customer, "events": Event, "responses": SurveySession}


def good(kind: str, n: int) -> dict[str, Any]:
    if kind == "customers":
        return {"external_id": f"h-{n}", "name": f"Good {n}", "mrr": "10.00",
                "signed_up_at": "2026-02-01"}  # fmt: skip
    if kind == "events":
        return {"event_id": f"h-{n}", "external_id": "c-1", "type": "activity",
                "occurred_at": "2026-11-02T08:00:00Z"}  # fmt: skip
    return {"response_id": f"h-{n}", "external_id": "c-1", "survey": "nps", "score": 9,
            "comment": "fine", "answered_at": "2026-11-20T10:00:00Z"}  # fmt: skip


CASES = [
    ("customers", "name", "a\x00b", "name contains a NUL character"),
    ("customers", "external_id", "h-\x00", "external_id contains a NUL character"),
    ("customers", "name", "\ud800", "name contains a lone surrogate"),
    ("customers", "plan", "pro\udfff", "plan contains a lone surrogate"),
    ("customers", "signed_up_at", "9999-12-31T23:59:59-05:00", "signed_up_at '9999-12-31T23"),
    ("customers", "signed_up_at", "0001-01-01T00:00:00+05:00", "signed_up_at '0001-01-01T00"),
    ("customers", "mrr", "9999999999.995", "mrr '9999999999.995' is too large once rounded"),
    ("customers", "mrr", "1e999999999", "mrr '1e999999999' is too large"),
    ("customers", "mrr", HUGE, "mrr '1111111111"),
    ("customers", "timezone", "America", "timezone 'America' is not a known IANA timezone"),
    ("events", "occurred_at", "9999-12-31T23:00:00Z", "occurred_at '9999-12-31T23:00:00Z' is "),
    ("events", "occurred_at", "9999-12-31T23:59:59-05:00", "occurred_at '9999-12-31T23:59"),
    ("events", "amount", "-9999999999.995", "amount '-9999999999.995' is too large"),
    ("events", "type", "activity\x00", "type contains a NUL character"),
    ("responses", "comment", "too \ud83d expensive", "comment contains a lone surrogate"),
    ("responses", "comment", "too\x00expensive", "comment contains a NUL character"),
    ("responses", "answered_at", "0001-01-01T00:00:00+05:00", "answered_at '0001-01-01T00"),
    ("responses", "score", HUGE, "score '1111111111"),
    ("responses", "score", "1e400", "score 1e400 is outside the nps scale 0-10"),
]


@pytest.mark.parametrize(("kind", "field", "value", "message"), CASES)
async def test_a_hostile_value_is_422_naming_record_and_field_and_the_rest_is_stored(
    client: httpx.AsyncClient,
    factory: sessionmaker[Session],
    kind: str,
    field: str,
    value: str,
    message: str,
) -> None:
    assert (await client.post("/api/customers", json=CUSTOMERS, headers=AUTH)).is_success
    with factory() as session:
        before = session.scalar(select(func.count()).select_from(MODELS[kind])) or 0
    batch = [good(kind, n) for n in range(5)]
    batch[2][field] = "__HOSTILE__" if value == HUGE else value
    # ensure_ascii writes a lone surrogate as the escape "\ud800", as a client's JSON would
    body = json.dumps(batch).replace('"__HOSTILE__"', HUGE)
    response = await client.post(
        f"/api/{kind}", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    answer = response.json()
    assert (answer["received"], answer["inserted"], answer["rejected"]) == (5, 4, 1)
    (problem,) = answer["errors"]
    assert (problem["index"], problem["field"]) == (2, field)
    assert problem["message"].startswith(message), problem["message"]
    assert "\n" not in problem["message"] and len(problem["message"]) < 200
    with factory() as session:
        after = session.scalar(select(func.count()).select_from(MODELS[kind])) or 0
    assert after - before == 4


async def test_a_far_future_event_is_refused_and_later_batches_still_store(
    client: httpx.AsyncClient, factory: sessionmaker[Session]
) -> None:
    """The review's case: one payment failed at 9999-12-31 stopped churn for everyone."""
    assert (await client.post("/api/customers", json=CUSTOMERS, headers=AUTH)).is_success
    doomed = {**EVENTS[0], "event_id": "e-9999", "type": "payment_failed",
              "occurred_at": "9999-12-31T23:00:00Z"}  # fmt: skip
    first = await client.post("/api/events", json=[doomed, EVENTS[1]], headers=AUTH)
    assert first.status_code == 422
    assert [(e["index"], e["field"]) for e in first.json()["errors"]] == [(0, "occurred_at")]
    later = await client.post("/api/events", json=[EVENTS[0], EVENTS[2]], headers=AUTH)
    assert later.status_code == 200, later.text
    with factory() as session:
        stored = set(session.scalars(select(Event.event_id)))
    assert stored == {"e-1", "e-2", "e-3"}
