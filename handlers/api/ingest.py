"""POST /api/customers, /api/events, /api/responses: a CRM or billing system feeds the bot.

A thin translation: the body becomes `(index, record)` rows for the same importers the CSV
import runs (`insights.ingest`), so a record is accepted or refused for the same reasons,
keyed on the sender's ids (sending a batch twice changes nothing the second time). A bad
record is answered with 422 naming its index and field; the good records of the batch are
stored all the same, so a client resends only what it must fix.

After a batch is stored, `after_import(kind, records)` runs in the background with the
accepted records: the bot sends the exit interview a cancellation triggers, or tags new
answers, without making the sender wait for Telegram.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from handlers.api.auth import BearerKeys
from handlers.api.payload import BodyError, read_records, unknown_fields
from insights.ingest import ImportReport, LifecycleRules, Rejection, importer_for
from insights.records import CUSTOMER_COLUMNS, EVENT_COLUMNS, RESPONSE_COLUMNS

log = logging.getLogger(__name__)
FIELDS: dict[str, tuple[str, ...]] = {
    "customers": CUSTOMER_COLUMNS,
    "events": EVENT_COLUMNS,
    "responses": RESPONSE_COLUMNS,
}
DRAIN_SECONDS = 30.0  # at shutdown, inside the 90 s stop grace docker and systemd allow
AfterImport = Callable[[str, list[Mapping[str, Any]]], Awaitable[None]]


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def unauthorized() -> JSONResponse:
    return error(
        401,
        "missing or wrong API key: send Authorization: Bearer <one of API_KEYS>",
        {"WWW-Authenticate": 'Bearer realm="retention-bot"'},
    )


@dataclass
class IngestApi:
    factory: sessionmaker[Session]
    tz: tzinfo
    rules: LifecycleRules
    keys: BearerKeys
    max_batch: int
    after_import: AfterImport | None = None
    ready: Callable[[], bool] = lambda: True
    _background: set[asyncio.Task[None]] = field(default_factory=set)

    def routes(self) -> list[Route]:
        return [
            Route(f"/api/{kind}", self._endpoint(kind), methods=["POST"], name=f"api_{kind}")
            for kind in FIELDS
        ]

    def _endpoint(self, kind: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if not self.keys.allows(request):
                log.warning("API call to /api/%s without a valid key from %s", kind, request.client)
                return unauthorized()
            if not self.ready():
                return error(503, "starting up; try again shortly", {"Retry-After": "5"})
            try:
                records = await read_records(request, self.max_batch)
            except BodyError as problem:
                return error(problem.status, problem.message)
            return await self._store(kind, records)

        return endpoint

    async def _store(self, kind: str, records: list[Any]) -> Response:
        rejections: list[Rejection] = []
        rows = []
        for index, record in enumerate(records):
            if isinstance(record, Mapping):
                rows.append((index, record))
            else:
                rejections.append(Rejection(index, "", "each record must be a JSON object"))
        report = await asyncio.to_thread(self._import, kind, rows, rejections)
        refused = {rejection.line for rejection in rejections}
        accepted = [record for index, record in rows if index not in refused]
        if accepted and self.after_import is not None:
            self._in_background(kind, accepted)
        ignored = unknown_fields(records, FIELDS[kind])
        body: dict[str, Any] = {
            "received": len(records),
            "inserted": report.inserted,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": len(refused),
            "errors": [
                {"index": r.line, "field": r.field or None, "message": r.message}
                for r in sorted(rejections, key=lambda r: r.line)
            ],
        }
        if ignored:
            body["warnings"] = [f"unknown field {name!r} ignored" for name in ignored]
        return JSONResponse(body, status_code=422 if refused else 200)

    def _import(
        self, kind: str, rows: Sequence[tuple[int, Mapping[str, Any]]], rejections: list[Rejection]
    ) -> ImportReport:
        importer = importer_for(kind, self.factory, self.tz, rejections.append, self.rules)
        importer.position = "index"  # duplicates name the batch index, not a CSV line
        return importer.run(rows)

    def _in_background(self, kind: str, accepted: list[Mapping[str, Any]]) -> None:
        assert self.after_import is not None
        work = self.after_import

        async def run() -> None:
            try:
                await work(kind, accepted)
            except Exception:
                log.exception("follow-up work after an API import of %s failed", kind)

        task = asyncio.create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self, timeout: float = DRAIN_SECONDS) -> None:
        """Wait (a while) for the follow-up work of batches already stored, at shutdown.

        What is still running then is cancelled: nothing is lost by it, since the bot's
        daily send picks up every triggered survey not yet sent.
        """
        if not self._background:
            return
        _, pending = await asyncio.wait(list(self._background), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("%d API follow-ups cut short at shutdown; the daily send has them",
                        len(pending))  # fmt: skip
            await asyncio.gather(*pending, return_exceptions=True)
