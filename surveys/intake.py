"""Durable intake: an update is stored before it is acknowledged, and handled from storage.

A platform that gets "received" (an HTTP 200 to Telegram's webhook, the next getUpdates
offset) never sends that update again, so an update held only in memory dies with the
process. The edge therefore calls `Intake.store()` and acknowledges only after it returns;
the `Intake`'s worker claims stored updates (`storage.inbox`), hands each to the edge's
`handle` and settles it. A handler that raises is retried with backoff; after
`max_attempts` the update is parked with its error (logged, counted in /healthz), never
dropped silently. On start the worker first drains what an earlier process left.

Several processes may run a worker on one PostgreSQL database: claims are leases taken
with `FOR UPDATE SKIP LOCKED`, so each update is handled by exactly one of them, and one
chat's updates are handled in arrival order, one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage import inbox
from storage.clock import Clock, utcnow

log = logging.getLogger(__name__)

Handle = Callable[[str], Awaitable[None]]  # the stored payload -> handled, or raises

# A claim lasts LEASE and the live worker renews it every RENEW_SECONDS, so the claims of
# a process killed with SIGKILL are taken over within LEASE, while a slow handler (a send
# waiting out Telegram's RetryAfter) keeps its claim.
LEASE = timedelta(seconds=15)
RENEW_SECONDS = 4.0
IDLE_POLL_SECONDS = 1.0  # how often an idle worker looks for updates another process stored
KEEP_HANDLED = timedelta(days=3)  # Telegram redelivers for at most ~24 h
PRUNE_EVERY = timedelta(hours=1)
BATCH = 50


@dataclass(frozen=True)
class Delivery:
    """One update as the edge received it."""

    delivery_id: str  # unique per source: a redelivery carries the same id
    chat_key: str  # updates with the same key are handled in order, one at a time
    payload: str  # what `handle` will be given back


@dataclass(frozen=True)
class Retry:
    """How failed updates are retried: base * 2**(tries-1), capped; parked after the last."""

    max_attempts: int = 5
    base: timedelta = timedelta(seconds=2)
    cap: timedelta = timedelta(minutes=10)

    def next_try(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after `attempts` failed tries; None: park it."""
        if attempts >= self.max_attempts:
            return None
        return now + min(self.cap, self.base * (2 ** (attempts - 1)))


class Intake:
    """Stores one source's updates and runs the worker that handles them."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        source: str,
        handle: Handle,
        *,
        retry: Retry | None = None,
        clock: Clock = utcnow,
        worker_id: str | None = None,
    ) -> None:
        self.factory = factory
        self.source = source
        self.handle = handle
        self.retry = retry or Retry()
        self.clock = clock
        self.worker_id = worker_id or (
            f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        )
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._stopping = False
        self._last_prune: datetime | None = None
        self.handled = 0

    # -- storing (called by the edge before it acknowledges) -----------------------------

    async def store(self, deliveries: Sequence[Delivery]) -> int:
        """Commit `deliveries` (redeliveries ignored); returns how many were new.

        Raises whatever the database raises: the edge must then not acknowledge, so the
        platform delivers again.
        """
        if not deliveries:
            return 0
        now = self.clock()

        def work() -> int:
            with self.factory() as session, session.begin():
                return sum(
                    inbox.put(session, self.source, d.delivery_id, d.chat_key, d.payload, now)
                    for d in deliveries
                )

        new = await asyncio.to_thread(work)
        if new:
            self._wake.set()
        return new

    # -- the worker ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name=f"intake-{self.source}")
            self._keeper = asyncio.create_task(self._renew(), name=f"intake-{self.source}-lease")

    async def stop(self, drain_seconds: float = 30.0) -> None:
        """Handle what is ready (for at most `drain_seconds`), then stop; the rest waits in
        the database for the next start."""
        task = self._task
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), drain_seconds)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
            self._keeper = None
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self._release)

    async def drain(self) -> int:
        """Handle everything that is ready now (tests, and `stop`); returns how many."""
        total = 0
        while batch := await asyncio.to_thread(self._claim):
            for item in batch:
                await self._handle_one(item)
                total += 1
        return total

    async def _run(self) -> None:
        while True:
            try:
                handled = await self.drain()
                await asyncio.to_thread(self._maybe_prune)
            except asyncio.CancelledError:
                raise
            except OperationalError as error:  # database busy or briefly unreachable
                log.warning("inbox %s: database error, retrying: %s", self.source, error.orig)
                handled = 0
                await asyncio.sleep(IDLE_POLL_SECONDS)
            if self._stopping and not handled:
                return
            if not handled:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), await self._idle_seconds())

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                await asyncio.to_thread(self._extend)
            except OperationalError as error:
                log.warning("inbox %s: could not renew claims: %s", self.source, error.orig)

    async def _idle_seconds(self) -> float:
        due = await asyncio.to_thread(self._next_due)
        wait = (due - self.clock()).total_seconds() if due is not None else IDLE_POLL_SECONDS
        # Due already but not claimable: blocked behind its chat's earlier item, or leased
        # by another process; look again at the idle pace rather than spin.
        return min(IDLE_POLL_SECONDS, wait) if wait > 0 else IDLE_POLL_SECONDS

    async def _handle_one(self, item: inbox.Claimed) -> None:
        try:
            await self.handle(item.payload)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            await asyncio.to_thread(self._failed, item, error)
            return
        await asyncio.to_thread(self._done, item)
        self.handled += 1

    # -- database work, in worker threads -------------------------------------------------

    def _claim(self) -> list[inbox.Claimed]:
        now = self.clock()
        with self.factory() as session, session.begin():
            return inbox.claim(session, self.source, self.worker_id, now, now + LEASE, BATCH)

    def _done(self, item: inbox.Claimed) -> None:
        with self.factory() as session, session.begin():
            if not inbox.settle_done(session, item.id, self.worker_id, self.clock()):
                log.warning(
                    "inbox %s: item %s was taken over before it was settled", self.source, item.id
                )

    def _failed(self, item: inbox.Claimed, error: BaseException) -> None:
        now = self.clock()
        attempts = item.attempts + 1
        retry_at = self.retry.next_try(attempts, now)
        message = f"{type(error).__name__}: {error}"
        with self.factory() as session, session.begin():
            inbox.settle_failed(session, item.id, self.worker_id, now, message, retry_at)
        if retry_at is None:
            log.error(
                "inbox %s: item %s (chat %s) parked after %d tries: %s",
                self.source,
                item.id,
                item.chat_key,
                attempts,
                message[:200],
            )
        else:
            log.warning(
                "inbox %s: item %s (chat %s) failed (try %d), retrying at %s: %s",
                self.source,
                item.id,
                item.chat_key,
                attempts,
                retry_at.isoformat(),
                message[:200],
            )

    def _extend(self) -> None:
        with self.factory() as session, session.begin():
            inbox.renew(session, self.worker_id, self.clock() + LEASE)

    def _release(self) -> None:
        with self.factory() as session, session.begin():
            inbox.release(session, self.worker_id)

    def _next_due(self) -> datetime | None:
        with self.factory() as session:
            return inbox.next_due(session, self.source)

    def _maybe_prune(self) -> None:
        now = self.clock()
        if self._last_prune is not None and now - self._last_prune < PRUNE_EVERY:
            return
        self._last_prune = now
        with self.factory() as session, session.begin():
            inbox.prune(session, now - KEEP_HANDLED)
