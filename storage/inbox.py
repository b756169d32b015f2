"""The inbox table's queries: store an update, claim the next ones, settle them.

Kept to a handful of statements so each can be read and tested on both databases:
- `put`: insert unless (source, delivery_id) is there already (a redelivery).
- `claim`: lease the oldest pending item of each chat whose earlier items are all settled,
  so one chat's updates run in arrival order and never two at a time. On PostgreSQL the
  candidate rows are locked with `FOR UPDATE SKIP LOCKED`, so processes claiming at the
  same moment take different rows; SQLite serialises writers, so one UPDATE is atomic.
- `settle_done` / `settle_failed`: end a claim (only the holder's), retry later or park.
- `backlog`: what is waiting and what is parked, for /healthz.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from storage.models import InboxItem

ERROR_CHARS = 500  # a parked item's error, as stored (a traceback's last line is enough)


@dataclass(frozen=True)
class Claimed:
    id: int
    source: str
    chat_key: str
    payload: str
    attempts: int  # tries before this one


@dataclass(frozen=True)
class Backlog:
    pending: int
    parked: int
    oldest_pending_at: datetime | None
    last_parked_error: str | None


def put(
    session: Session, source: str, delivery_id: str, chat_key: str, payload: str, now: datetime
) -> bool:
    """Store one update; False when it was stored before (a redelivery)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(InboxItem)
        .values(
            source=source,
            delivery_id=delivery_id,
            chat_key=chat_key,
            payload=payload,
            received_at=now,
            attempts=0,
            next_try_at=now,
        )
        .on_conflict_do_nothing(index_elements=["source", "delivery_id"])
        .returning(InboxItem.id)
    )
    return session.execute(statement).first() is not None


def _pending() -> list[object]:
    return [InboxItem.processed_at.is_(None), InboxItem.parked_at.is_(None)]


def claim(
    session: Session, source: str, worker: str, now: datetime, lease_until: datetime, limit: int
) -> list[Claimed]:
    """Lease up to `limit` items that may run now, oldest first, at most one per chat."""
    earlier = aliased(InboxItem)
    blocked = exists().where(
        earlier.chat_key == InboxItem.chat_key,
        earlier.source == InboxItem.source,
        earlier.id < InboxItem.id,
        earlier.processed_at.is_(None),
        earlier.parked_at.is_(None),
    )
    free = or_(InboxItem.claimed_until.is_(None), InboxItem.claimed_until < now)
    candidates = (
        select(InboxItem.id)
        .where(InboxItem.source == source, *_pending(), InboxItem.next_try_at <= now, free)
        .where(~blocked)
        .order_by(InboxItem.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.scalars(candidates))
    if not ids:
        return []
    # Checked again in the UPDATE: on SQLite another process may have claimed, handled and
    # settled one of these rows between our SELECT and this write (its lease is then free).
    session.execute(
        update(InboxItem)
        .where(InboxItem.id.in_(ids), free, *_pending())
        .values(claimed_by=worker, claimed_until=lease_until)
    )
    rows = session.execute(
        select(
            InboxItem.id,
            InboxItem.source,
            InboxItem.chat_key,
            InboxItem.payload,
            InboxItem.attempts,
        )
        .where(InboxItem.id.in_(ids), InboxItem.claimed_by == worker)
        .order_by(InboxItem.id)
    )
    return [Claimed(r.id, r.source, r.chat_key, r.payload or "", r.attempts) for r in rows]


def _held(item_id: int, worker: str) -> object:
    return and_(InboxItem.id == item_id, InboxItem.claimed_by == worker)


def settle_done(session: Session, item_id: int, worker: str, now: datetime) -> bool:
    """Mark a claimed item handled and drop its payload; False if the claim was lost."""
    result = session.execute(
        update(InboxItem)
        .where(_held(item_id, worker))
        .values(processed_at=now, payload=None, claimed_by=None, claimed_until=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def settle_failed(
    session: Session,
    item_id: int,
    worker: str,
    now: datetime,
    error: str,
    retry_at: datetime | None,
) -> bool:
    """Count a failed try: retry at `retry_at`, or park the item when that is None."""
    values: dict[str, object] = {
        "attempts": InboxItem.attempts + 1,
        "last_error": error[:ERROR_CHARS],
        "claimed_by": None,
        "claimed_until": None,
    }
    if retry_at is None:
        values["parked_at"] = now
    else:
        values["next_try_at"] = retry_at
    result = session.execute(update(InboxItem).where(_held(item_id, worker)).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def renew(session: Session, worker: str, lease_until: datetime) -> None:
    """Extend the claims a live worker holds (its heartbeat)."""
    session.execute(
        update(InboxItem)
        .where(InboxItem.claimed_by == worker, *_pending())
        .values(claimed_until=lease_until)
    )


def release(session: Session, worker: str) -> None:
    """Give back every claim a stopping worker still holds (they were not started)."""
    session.execute(
        update(InboxItem)
        .where(InboxItem.claimed_by == worker, InboxItem.processed_at.is_(None))
        .values(claimed_by=None, claimed_until=None)
    )


def next_due(session: Session, source: str) -> datetime | None:
    """When the earliest waiting retry is due (for the worker's sleep)."""
    return session.scalar(
        select(func.min(InboxItem.next_try_at)).where(InboxItem.source == source, *_pending())
    )


def backlog(session: Session) -> Backlog:
    pending, oldest = session.execute(
        select(func.count(), func.min(InboxItem.received_at)).where(*_pending())
    ).one()
    parked = session.scalar(
        select(func.count()).select_from(InboxItem).where(InboxItem.parked_at.is_not(None))
    )
    last_error = session.scalar(
        select(InboxItem.last_error)
        .where(InboxItem.parked_at.is_not(None))
        .order_by(InboxItem.parked_at.desc())
        .limit(1)
    )
    return Backlog(int(pending), int(parked or 0), oldest, last_error)


def prune(session: Session, before: datetime) -> int:
    """Forget handled items older than `before` (redeliveries never come that late)."""
    result = session.execute(
        delete(InboxItem).where(
            InboxItem.processed_at.is_not(None), InboxItem.processed_at < before
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
