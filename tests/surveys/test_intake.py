"""The durable intake: stored before acknowledged, handled once, in order per chat, retried.

Platform-neutral: payloads are plain strings and the handler is a test function, so these
tests say what any edge (Telegram today) can rely on. On both databases; the two-worker
test runs two workers with separate engines (separate connections, as two processes have)
draining one inbox at the same time.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from storage import inbox
from storage.database import make_engine, session_factory
from storage.models import InboxItem
from surveys.intake import Delivery, Intake, Retry


def deliveries(chats: int, per_chat: int, start: int = 0) -> list[Delivery]:
    return [
        Delivery(f"d{start + n * chats + c}", f"chat{c}", f"chat{c}:{n}")
        for n in range(per_chat)
        for c in range(chats)
    ]


async def test_a_redelivery_is_stored_once_and_handled_once(
    factory: sessionmaker[Session],
) -> None:
    seen: list[str] = []

    async def handle(payload: str) -> None:
        seen.append(payload)

    intake = Intake(factory, "test", handle)
    first = Delivery("u1", "c1", "hello")
    assert await intake.store([first, first]) == 1
    assert await intake.store([first]) == 0
    assert await intake.drain() == 1
    assert await intake.drain() == 0
    assert seen == ["hello"]
    with factory() as session:
        row = session.scalars(select(InboxItem)).one()
        assert row.processed_at is not None
        assert row.payload is None  # the customer's words are not kept twice


async def test_stored_updates_wait_for_the_next_worker(factory: sessionmaker[Session]) -> None:
    """What one process stored and did not handle (it died) the next one handles."""

    async def never(payload: str) -> None:  # pragma: no cover - must not be called
        raise AssertionError("the first process handles nothing")

    dead = Intake(factory, "test", never)
    await dead.store(deliveries(chats=3, per_chat=2))
    handled: list[str] = []

    async def handle(payload: str) -> None:
        handled.append(payload)

    successor = Intake(factory, "test", handle)
    successor.start()
    try:
        for _ in range(500):
            if len(handled) == 6:
                break
            await asyncio.sleep(0.01)
    finally:
        await successor.stop()
    assert sorted(handled) == sorted(d.payload for d in deliveries(chats=3, per_chat=2))
    for chat in range(3):
        assert [p for p in handled if p.startswith(f"chat{chat}:")] == [
            f"chat{chat}:0",
            f"chat{chat}:1",
        ]


async def test_a_failing_update_is_retried_then_parked_and_never_blocks_other_chats(
    factory: sessionmaker[Session],
) -> None:
    clock = [datetime(2026, 12, 1, tzinfo=UTC)]
    tries: dict[str, int] = defaultdict(int)

    async def handle(payload: str) -> None:
        tries[payload] += 1
        if payload == "bad":
            raise RuntimeError("handler broke")

    retry = Retry(max_attempts=3, base=timedelta(seconds=10))
    intake = Intake(factory, "test", handle, retry=retry, clock=lambda: clock[0])
    await intake.store(
        [Delivery("1", "a", "bad"), Delivery("2", "a", "after-bad"), Delivery("3", "b", "ok")]
    )
    assert await intake.drain() == 2  # "bad" failed, "ok" handled; "after-bad" waits its turn
    assert tries == {"bad": 1, "ok": 1}
    assert await intake.drain() == 0  # the retry is not due yet
    clock[0] += timedelta(seconds=10)
    await intake.drain()
    clock[0] += timedelta(seconds=20)
    await intake.drain()  # third try fails: parked
    assert tries["bad"] == 3
    with factory() as session:
        backlog = inbox.backlog(session)
        assert backlog.parked == 1
        assert backlog.last_parked_error == "RuntimeError: handler broke"
    # Parked, the bad update no longer holds back its chat.
    await intake.drain()
    assert tries["after-bad"] == 1
    with factory() as session:
        assert inbox.backlog(session).pending == 0


async def test_handled_items_are_pruned_after_a_few_days(factory: sessionmaker[Session]) -> None:
    clock = [datetime(2026, 12, 1, tzinfo=UTC)]

    async def handle(payload: str) -> None:
        pass

    intake = Intake(factory, "test", handle, clock=lambda: clock[0])
    await intake.store([Delivery("1", "a", "x")])
    await intake.drain()
    with factory() as session, session.begin():
        assert inbox.prune(session, clock[0] - timedelta(days=3)) == 0
        assert inbox.prune(session, clock[0] + timedelta(seconds=1)) == 1


async def test_two_workers_handle_every_update_exactly_once_in_chat_order(
    database_url: str, engine: Engine
) -> None:
    """Two processes (separate engines) drain one inbox while updates keep arriving."""
    handled: list[tuple[str, str]] = []
    busy: set[str] = set()
    overlaps: list[str] = []

    def handler(worker: str):  # type: ignore[no-untyped-def]
        async def handle(payload: str) -> None:
            chat = payload.split(":")[0]
            if chat in busy:
                overlaps.append(payload)  # two workers inside one chat at once
            busy.add(chat)
            await asyncio.sleep(0.002)
            busy.discard(chat)
            handled.append((worker, payload))

        return handle

    engines = [make_engine(database_url) for _ in range(2)]
    try:
        workers = [
            Intake(session_factory(e), "test", handler(f"w{n}"), worker_id=f"w{n}")
            for n, e in enumerate(engines)
        ]
        for worker in workers:
            worker.start()
        sent = []
        for wave in range(5):
            batch = deliveries(chats=8, per_chat=4, start=wave * 1000)
            batch = [Delivery(d.delivery_id, d.chat_key, f"{d.payload}:{wave}") for d in batch]
            sent += batch
            await workers[wave % 2].store(batch)
            await asyncio.sleep(0.02)
        for _ in range(3000):
            if len(handled) >= len(sent):
                break
            await asyncio.sleep(0.01)
        for worker in workers:
            await worker.stop()
    finally:
        for e in engines:
            e.dispose()
    payloads = [p for _, p in handled]
    assert sorted(payloads) == sorted(d.payload for d in sent)  # each exactly once
    assert not overlaps
    for chat in range(8):
        mine = [p for p in payloads if p.startswith(f"chat{chat}:")]
        assert mine == [d.payload for d in sent if d.chat_key == f"chat{chat}"]
    assert {w for w, _ in handled} == {"w0", "w1"}  # both took part
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).where(InboxItem.processed_at.is_(None))) == 0


def test_retry_backoff_doubles_up_to_the_cap_then_parks() -> None:
    retry = Retry(max_attempts=4, base=timedelta(seconds=2), cap=timedelta(seconds=5))
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert [retry.next_try(n, now) for n in (1, 2, 3, 4)] == [
        now + timedelta(seconds=2),
        now + timedelta(seconds=4),
        now + timedelta(seconds=5),
        None,
    ]


@pytest.mark.parametrize("payload", ["", "x" * 100_000, "\u00e9\u4e2d\U0001f600"])
async def test_payloads_come_back_as_stored(factory: sessionmaker[Session], payload: str) -> None:
    got: list[str] = []

    async def handle(given: str) -> None:
        got.append(given)

    intake = Intake(factory, "test", handle)
    await intake.store([Delivery("1", "a", payload)])
    await intake.drain()
    assert got == [payload]
