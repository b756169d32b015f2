"""Property: whatever a client posts, the API answers below 500 and accounts for every record.

Generated batches mix valid records with hostile ones (tests/hostile_values.py). For each:
no 5xx and no exception out of the app; `received = inserted + updated + unchanged +
rejected`; one error per refused record, naming its index; 422 exactly when something was
refused; and the table grew by what was reported inserted. One database per property run
(on SQLite and PostgreSQL): the records of one example meet those of the ones before, so
updates, repeats and duplicates are exercised too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from api_records import AUTH, KEY
from hostile_values import CUSTOMER_IDS, batches, to_json
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

from handlers.api import BearerKeys, IngestApi
from insights.ingest import LifecycleRules
from storage.models import Customer, Event, SurveySession

MODELS = {"customers": Customer, "events": Event, "responses": SurveySession}
PROPERTY = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Http:
    """The API app in-process, driven from synchronous code (Hypothesis runs examples so)."""

    def __init__(self, runner: asyncio.Runner, client: httpx.AsyncClient) -> None:
        self.runner = runner
        self.client = client

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.runner.run(self.client.post(path, **kwargs))


@pytest.fixture
def http(factory: sessionmaker[Session]) -> Iterator[Http]:
    api = IngestApi(
        factory=factory,
        tz=ZoneInfo("Asia/Tokyo"),  # times without an offset are read east of UTC
        rules=LifecycleRules(),
        keys=BearerKeys([KEY]),
        max_batch=10,
    )
    transport = httpx.ASGITransport(app=Starlette(routes=api.routes()))
    with asyncio.Runner() as runner:
        client = httpx.AsyncClient(transport=transport, base_url="http://bot")
        try:
            seed = [{"external_id": key, "signed_up_at": "2025-01-01"} for key in CUSTOMER_IDS]
            http = Http(runner, client)
            assert http.post("/api/customers", json=seed, headers=AUTH).status_code == 200
            yield http
        finally:
            runner.run(client.aclose())


def rows(factory: sessionmaker[Session], kind: str) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(MODELS[kind])) or 0)


def check(client: Http, factory: sessionmaker[Session], kind: str, body: Any) -> None:
    before = rows(factory, kind)
    response = client.post(
        f"/api/{kind}",
        content=to_json(body).encode("utf-8"),
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code < 500, response.text
    answer = response.json()
    if response.status_code == 400:  # the body as a whole: nothing read, nothing stored
        assert set(answer) == {"error"} and rows(factory, kind) == before
        return
    received = len(body) if isinstance(body, list) else 1
    assert answer["received"] == received
    counted = ("inserted", "updated", "unchanged", "rejected")
    assert sum(answer[name] for name in counted) == received, answer
    assert response.status_code == (422 if answer["rejected"] else 200)
    indexes = [error["index"] for error in answer["errors"]]
    assert len(indexes) == len(set(indexes)) == answer["rejected"]
    assert all(0 <= index < received for index in indexes)
    for error in answer["errors"]:
        record = body[error["index"]] if isinstance(body, list) else body
        assert (error["field"] is None) == (not isinstance(record, dict)), error
        assert "\n" not in error["message"] and len(error["message"]) < 300
    assert rows(factory, kind) - before == answer["inserted"]


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_every_record_is_stored_or_refused_and_nothing_answers_5xx(
    http: Http, factory: sessionmaker[Session], kind: str
) -> None:
    @PROPERTY
    @given(body=batches(kind))
    def property_holds(body: Any) -> None:
        check(http, factory, kind, body)

    property_holds()
