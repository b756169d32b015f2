"""The ingestion API served in-process (httpx's ASGI transport) on each database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import httpx
import pytest
from api_records import KEY, NEXT_KEY, Followed
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

from handlers.api import BearerKeys, IngestApi, openapi_route
from insights.ingest import LifecycleRules


@pytest.fixture
def followed() -> Followed:
    return Followed()


@pytest.fixture
def ingest(factory: sessionmaker[Session], followed: Followed) -> IngestApi:
    return IngestApi(
        factory=factory,
        tz=ZoneInfo("Europe/Copenhagen"),
        rules=LifecycleRules(),
        keys=BearerKeys([KEY, NEXT_KEY]),
        max_batch=10,
        after_import=followed,
    )


@pytest.fixture
async def client(ingest: IngestApi) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=[*ingest.routes(), openapi_route()])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        yield client
        await ingest.drain()
