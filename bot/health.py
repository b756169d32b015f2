"""The health report behind /healthz: database, schema, components, last digest.

Each request looks again (a schema upgraded or rolled back under a running process shows
at once); the database checks run in a worker thread with a time limit, so a hung
database makes /healthz answer "unreachable" instead of hanging the load balancer's probe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from insights.digest.delivery import last_delivery
from storage import inbox, schema
from storage.database import session_factory
from storage.errors import DatabaseUnavailable

if TYPE_CHECKING:
    from sqlalchemy import Engine

DATABASE_TIMEOUT_SECONDS = 5.0
RUNNING = "running"


class HealthCheck:
    def __init__(self, engine: Engine, states: Callable[[], Mapping[str, str]]) -> None:
        """`states()` gives each component's state: running, starting, not configured..."""
        self.engine = engine
        self.states = states

    async def __call__(self) -> tuple[bool, dict[str, Any]]:
        try:
            database = await asyncio.wait_for(
                asyncio.to_thread(self._database), DATABASE_TIMEOUT_SECONDS
            )
        except TimeoutError:
            database = {
                "reachable": False,
                "error": f"no answer within {DATABASE_TIMEOUT_SECONDS:g} s",
            }
        components = dict(self.states())
        configured = [s for s in components.values() if not s.startswith("not configured")]
        healthy = database.get("schema") == "current" and all(
            state == RUNNING for state in configured
        )
        last_digest = database.pop("last_digest", None)
        updates = database.pop("inbox", None)
        return healthy, {
            "status": "ok" if healthy else "unhealthy",
            "database": database,
            "components": components,
            "last_digest": last_digest,
            "inbox": updates,
        }

    def _database(self) -> dict[str, Any]:
        try:
            found = schema.status(self.engine)
        except DatabaseUnavailable as error:
            return {"reachable": False, "error": str(error)}
        report: dict[str, Any] = {
            "reachable": True,
            "schema": found.state,
            "revision": found.revision,
            "expected_revision": found.head,
        }
        if found.state == "current":
            report["last_digest"] = self._last_digest()
            report["inbox"] = self._inbox()
        elif found.state == "behind":
            report["error"] = f"the schema is behind the code; {schema.UPGRADE_HINT}"
        else:
            report["error"] = "the schema is newer than this code; run the newer version"
        return report

    def _inbox(self) -> dict[str, Any]:
        """Updates stored and not yet handled, and those parked after their last try.

        Parked updates do not make the process unhealthy (restarting it would not help);
        they are there for an operator to read, with the latest error.
        """
        with session_factory(self.engine)() as session:
            backlog = inbox.backlog(session)
        oldest = backlog.oldest_pending_at
        return {
            "pending": backlog.pending,
            "oldest_pending_at": oldest.isoformat() if oldest else None,
            "parked": backlog.parked,
            "last_parked_error": backlog.last_parked_error,
        }

    def _last_digest(self) -> dict[str, Any] | None:
        with session_factory(self.engine)() as session:
            return last_delivery(session)
