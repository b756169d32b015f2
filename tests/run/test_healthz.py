"""/healthz: 200 only when the process can work; otherwise 503 saying which part cannot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

from bot.health import HealthCheck
from handlers.health import health_route
from storage import schema
from storage.database import make_engine
from storage.models import DigestPost

STATES = {"http": "running", "telegram": "running", "slack": "not configured (no token)"}


async def _get(check: HealthCheck) -> httpx.Response:
    app = Starlette(routes=[health_route(check)])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bot"
    ) as client:
        return await client.get("/healthz")


@pytest.fixture
async def states() -> AsyncIterator[dict[str, str]]:
    yield dict(STATES)


async def test_healthy_names_every_part_and_the_last_digest(
    engine: Engine, factory: sessionmaker[Session], states: dict[str, str]
) -> None:
    check = HealthCheck(engine, lambda: states)
    response = await _get(check)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {
        "reachable": True,
        "schema": "current",
        "revision": schema.head_revision(),
        "expected_revision": schema.head_revision(),
    }
    assert body["components"] == STATES  # "not configured" parts do not make it unhealthy
    assert body["last_digest"] is None
    assert response.headers["cache-control"] == "no-store"

    posted = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    with factory() as session, session.begin():
        session.add_all([
            DigestPost(week="2026-W46", destination="slack:C0DIGEST01", status="sent",
                       attempts=1, created_at=posted, updated_at=posted, posted_at=posted),
            DigestPost(week="2026-W47", destination="telegram:-100", status="failed",
                       attempts=3, last_error="chat not found", created_at=posted,
                       updated_at=posted),
        ])  # fmt: skip
    digest = (await _get(check)).json()["last_digest"]
    assert digest["week"] == "2026-W46" and digest["destination"] == "slack:C0DIGEST01"
    assert digest["posted_at"].startswith("2026-11-23T08:00:00")
    assert digest["failed"] == {
        "week": "2026-W47", "destination": "telegram:-100", "error": "chat not found",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("revision", "state", "says"),
    [("0003", "behind", "retention-bot db upgrade"), ("9999abcdef", "ahead", "newer")],
)
async def test_a_stale_schema_is_503_and_says_what_to_run(
    engine: Engine, states: dict[str, str], revision: str, state: str, says: str
) -> None:
    if revision == "0003":  # the revision before head, whatever its id
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(schema.alembic_config_for_scripts())
        head = script.get_revision(schema.head_revision())
        assert head is not None and isinstance(head.down_revision, str)
        revision = head.down_revision
    with engine.begin() as connection:  # as if the code were upgraded under a running process
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    response = await _get(HealthCheck(engine, lambda: states))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["database"]["schema"] == state
    assert body["database"]["revision"] == revision
    assert says in body["database"]["error"]


async def test_a_part_not_running_or_an_unreachable_database_is_503(
    engine: Engine, tmp_path: Path
) -> None:
    starting = HealthCheck(engine, lambda: {**STATES, "telegram": "starting"})
    assert (await _get(starting)).status_code == 503
    folder = tmp_path / "gone"
    missing = make_engine(f"sqlite:///{folder / 'x.db'}")
    folder.rmdir()  # the volume the database lived on went away
    response = await _get(HealthCheck(missing, lambda: STATES))
    assert response.status_code == 503
    assert response.json()["database"]["reachable"] is False
    assert "cannot open the database" in response.json()["database"]["error"]
