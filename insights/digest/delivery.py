"""Exactly-once delivery of the weekly digest: a claim per (week, destination), then retries.

Why a ledger and not a flag: two bot processes on one database (a rolling deploy, a
second replica) both run the Monday job, and a manual `digest --post` may race them. The
`digest_posts` row for (week, destination) is the claim, made by the database, not by luck:

- claim = `INSERT ... ON CONFLICT DO NOTHING` of a 'pending' row carrying a random
  `claim_token`; exactly one inserter wins the unique (week, destination) key. A loser
  may still take the row over with one conditional `UPDATE` when it is 'failed' (a
  retry) or 'pending' with a `claimed_at` older than the stale limit (its owner died
  mid-post); the database serialises those updates, so again exactly one wins.
- Every later write (attempt count, progress, outcome) says `WHERE claim_token = mine`:
  a process that was paused past the stale limit and lost its claim notices (0 rows
  updated) and stops instead of posting in parallel with the new owner.
- A failed attempt (API error, timeout) is logged and retried after a doubling wait
  (at least what the API asked for in Retry-After); an error the poster marks
  `permanent` (bad token, unknown channel) is not retried in that run. After the last
  attempt the row stays 'failed' with `attempts` and `last_error`, and is claimed again
  by the next run (`retry_unsent` at start-up), never dropped.
- Posters record each finished step in `progress` (message sent, chart uploaded), so a
  retry repeats only what is missing. The remaining duplicate window is one API call: a
  process that dies after Slack accepted a message but before the database heard of it.
  Its claim goes stale and the message is sent again: a rare duplicate was preferred to
  a digest silently lost.

Database calls are short and run in a worker thread, so a busy SQLite file never blocks
the event loop the Telegram bot shares.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, cast

from sqlalchemy import CursorResult, Result, Table, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from insights.digest.model import Digest
from storage.clock import utcnow
from storage.models import DigestPost

log = logging.getLogger(__name__)
ERROR_CHARS = 2000


class Poster(Protocol):
    """A destination the digest goes to (`handlers.slack.digest`, `handlers.telegram.digest`).

    `post` performs the remaining steps, recording each finished one in `progress` and
    awaiting `checkpoint()` to persist it; it raises on failure. An exception with
    `permanent = True` is not retried in this run; `retry_after` (seconds) is honoured.
    """

    destination: str

    async def post(
        self,
        digest: Digest,
        chart: bytes,
        progress: MutableMapping[str, Any],
        checkpoint: Callable[[], Awaitable[None]],
    ) -> str: ...


class ClaimLost(Exception):
    """Another process took this post over (our claim had gone stale); stop quietly."""


@dataclass
class PostClaim:
    id: int
    week: str
    destination: str
    token: str
    attempts: int
    progress: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Busy:
    """The post is not ours to make: already sent, or being posted by someone else."""

    status: str
    attempts: int
    posted_at: datetime | None
    last_error: str | None


Status = Literal["sent", "already_sent", "in_progress", "failed"]


@dataclass(frozen=True)
class Outcome:
    week: str
    destination: str
    status: Status
    attempts: int
    detail: str

    @property
    def ok(self) -> bool:
        return self.status != "failed"


class PostLedger:
    """The `digest_posts` table as a set of claims (see the module docstring)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        stale_after: timedelta,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.factory = factory
        self.stale_after = stale_after
        self.clock = clock

    def _stale(self, now: datetime) -> Any:
        """A 'pending' claim old enough that its process must have died mid-post."""
        return and_(
            DigestPost.status == "pending",
            or_(DigestPost.claimed_at.is_(None), DigestPost.claimed_at < now - self.stale_after),
        )

    def claim(self, week: str, destination: str) -> PostClaim | Busy:
        token = uuid.uuid4().hex
        now = self.clock()
        with self.factory() as session, session.begin():
            values = {
                "week": week,
                "destination": destination,
                "status": "pending",
                "attempts": 0,
                "claim_token": token,
                "claimed_at": now,
                "created_at": now,
                "updated_at": now,
            }
            # RETURNING, not rowcount: psycopg reports -1 for an INSERT with RETURNING.
            inserted = session.execute(_insert_ignoring(session, values)).scalar_one_or_none()
            takeover = 0
            if inserted is None:
                takeover = _rowcount(
                    session.execute(
                        update(DigestPost)
                        .where(
                            DigestPost.week == week,
                            DigestPost.destination == destination,
                            or_(DigestPost.status == "failed", self._stale(now)),
                        )
                        .values(status="pending", claim_token=token, claimed_at=now, updated_at=now)
                        .execution_options(synchronize_session=False)
                    )
                )
            row = session.execute(
                select(DigestPost).where(
                    DigestPost.week == week, DigestPost.destination == destination
                )
            ).scalar_one()
            if inserted is not None or takeover == 1:
                return PostClaim(
                    id=row.id,
                    week=week,
                    destination=destination,
                    token=token,
                    attempts=row.attempts,
                    progress=json.loads(row.progress) if row.progress else {},
                )
            return Busy(row.status, row.attempts, row.posted_at, row.last_error)

    def _update(self, claim: PostClaim, **values: Any) -> None:
        values.setdefault("updated_at", self.clock())
        with self.factory() as session, session.begin():
            changed = _rowcount(
                session.execute(
                    update(DigestPost)
                    .where(DigestPost.id == claim.id, DigestPost.claim_token == claim.token)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            )
        if changed != 1:
            raise ClaimLost(f"{claim.destination} {claim.week} was taken over by another process")

    def start_attempt(self, claim: PostClaim) -> int:
        """Count an attempt and refresh the claim, so a live post never looks stale."""
        claim.attempts += 1
        now = self.clock()
        self._update(claim, attempts=claim.attempts, claimed_at=now, updated_at=now)
        return claim.attempts

    def save_progress(self, claim: PostClaim) -> None:
        now = self.clock()
        self._update(claim, progress=json.dumps(claim.progress), claimed_at=now, updated_at=now)

    def record_failure(self, claim: PostClaim, error: str, final: bool) -> None:
        values: dict[str, Any] = {"last_error": error[:ERROR_CHARS]}
        if final:
            values.update(status="failed", claim_token=None, claimed_at=None)
        self._update(claim, **values)

    def mark_sent(self, claim: PostClaim) -> None:
        now = self.clock()
        self._update(
            claim,
            status="sent",
            posted_at=now,
            last_error=None,
            claim_token=None,
            progress=json.dumps(claim.progress),
        )

    def unsent(self, since_week: str, include_failed: bool = True) -> list[tuple[str, str]]:
        """(week, destination) of posts to retry: failed ones, and stale claims."""
        stale = self._stale(self.clock())
        condition = or_(DigestPost.status == "failed", stale) if include_failed else stale
        with self.factory() as session:
            rows = session.execute(
                select(DigestPost.week, DigestPost.destination)
                .where(condition, DigestPost.week >= since_week)
                .order_by(DigestPost.week, DigestPost.destination)
            ).all()
        return [(week, destination) for week, destination in rows]

    def abandoned(self, before_week: str) -> list[tuple[str, str, str | None]]:
        """Failed posts too old to retry, for the start-up log (they are never hidden)."""
        with self.factory() as session:
            rows = session.execute(
                select(DigestPost.week, DigestPost.destination, DigestPost.last_error)
                .where(DigestPost.status == "failed", DigestPost.week < before_week)
                .order_by(DigestPost.week)
            ).all()
        return [(w, d, e) for w, d, e in rows]


def _rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE changed (SQLAlchemy types `Session.execute` as a plain Result)."""
    return cast("CursorResult[Any]", result).rowcount


def _insert_ignoring(session: Session, values: dict[str, Any]) -> Any:
    table = cast(Table, DigestPost.__table__)
    if session.get_bind().dialect.name == "postgresql":
        statement: Any = postgresql.insert(table)
    else:
        statement = sqlite.insert(table)
    return statement.values(**values).on_conflict_do_nothing().returning(table.c.id)


def describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return text or type(error).__name__


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    first_delay: float = 5.0
    attempt_timeout: float = 300.0
    """Upper bound on one attempt (all of its API calls) however the client behaves."""

    def delay(self, attempt: int, retry_after: float | None) -> float:
        return max(self.first_delay * 2 ** (attempt - 1), retry_after or 0.0)


async def deliver(
    poster: Poster,
    week: str,
    digest: Digest,
    chart: bytes,
    ledger: PostLedger,
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Outcome:
    """Post `digest` to one destination unless that (week, destination) is not ours."""
    destination = poster.destination
    claimed = await asyncio.to_thread(ledger.claim, week, destination)
    if isinstance(claimed, Busy):
        if claimed.status == "sent":
            when = claimed.posted_at.isoformat(timespec="minutes") if claimed.posted_at else "?"
            return Outcome(week, destination, "already_sent", claimed.attempts, f"posted {when}")
        return Outcome(
            week, destination, "in_progress", claimed.attempts, "another process is posting it"
        )
    claim = claimed

    async def checkpoint() -> None:
        await asyncio.to_thread(ledger.save_progress, claim)

    try:
        for attempt in range(1, policy.attempts + 1):
            total = await asyncio.to_thread(ledger.start_attempt, claim)
            try:
                async with asyncio.timeout(policy.attempt_timeout):
                    detail = await poster.post(digest, chart, claim.progress, checkpoint)
            except ClaimLost:
                raise
            except Exception as error:
                message = describe(error)
                final = attempt == policy.attempts or bool(getattr(error, "permanent", False))
                await asyncio.to_thread(ledger.record_failure, claim, message, final)
                if final:
                    log.error(
                        "digest %s to %s failed (attempt %d, %s): %s; recorded, retried at "
                        "the next start",
                        week, destination, total,
                        "permanent error" if attempt < policy.attempts else "last attempt",
                        message,
                    )  # fmt: skip
                    return Outcome(week, destination, "failed", total, message)
                wait = policy.delay(attempt, getattr(error, "retry_after", None))
                log.warning(
                    "digest %s to %s: attempt %d failed: %s; retrying in %.1f s",
                    week, destination, total, message, wait,
                )  # fmt: skip
                await sleep(wait)
            else:
                await asyncio.to_thread(ledger.mark_sent, claim)
                log.info("digest %s posted to %s (%s)", week, destination, detail)
                return Outcome(week, destination, "sent", total, detail)
    except ClaimLost as lost:
        log.warning("digest %s to %s: %s", week, destination, lost)
        return Outcome(week, destination, "in_progress", claim.attempts, str(lost))
    raise AssertionError("unreachable: the loop returns on its last attempt")


async def deliver_all(
    posters: Sequence[Poster],
    week: str,
    digest: Digest,
    chart: bytes,
    ledger: PostLedger,
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> list[Outcome]:
    """Every destination at once: a slow Slack does not hold up the Telegram chats."""
    return list(
        await asyncio.gather(
            *(deliver(p, week, digest, chart, ledger, policy, sleep) for p in posters)
        )
    )


def last_delivery(session: Session) -> dict[str, Any] | None:
    """The last digest posted, and the last that failed, for /healthz (None: neither)."""
    posted = session.execute(
        select(DigestPost.week, DigestPost.destination, DigestPost.posted_at)
        .where(DigestPost.status == "sent")
        .order_by(DigestPost.posted_at.desc())
        .limit(1)
    ).first()
    failed = session.execute(
        select(DigestPost.week, DigestPost.destination, DigestPost.last_error)
        .where(DigestPost.status == "failed")
        .order_by(DigestPost.updated_at.desc())
        .limit(1)
    ).first()
    result: dict[str, Any] | None = None
    if posted is not None:
        result = {
            "week": posted.week,
            "destination": posted.destination,
            "posted_at": posted.posted_at.isoformat() if posted.posted_at else None,
        }
    if failed is not None:
        result = result or {}
        result["failed"] = {
            "week": failed.week,
            "destination": failed.destination,
            "error": failed.last_error,
        }
    return result
