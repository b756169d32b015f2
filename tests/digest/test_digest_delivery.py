"""Exactly-once posting: claims in digest_posts, retries, failures kept, stale claims.

The race tests run real threads, each with its own engine (its own connections, like a
second bot process), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from digest_helpers import sample
from sqlalchemy import select

from insights.digest.delivery import ClaimLost, PostClaim, PostLedger, RetryPolicy, deliver
from storage.database import make_engine, session_factory
from storage.models import DigestPost

WEEK = "2026-W47"
FAST = RetryPolicy(attempts=3, first_delay=0.0, attempt_timeout=5.0)


class RecordingPoster:
    """Posts nothing; records calls, optionally slowly or failing the first N times."""

    def __init__(self, destination: str = "slack:C1", failures: int = 0, delay: float = 0.0,
                 error: Exception | None = None) -> None:  # fmt: skip
        self.destination = destination
        self.failures = failures
        self.delay = delay
        self.error = error or RuntimeError("HTTP 500 from the API")
        self.calls = 0
        self.lock = threading.Lock()

    async def post(self, digest, chart, progress, checkpoint) -> str:
        with self.lock:
            self.calls += 1
            calls = self.calls
        if self.delay:
            await asyncio.sleep(self.delay)
        if calls <= self.failures:
            raise self.error
        return "ok"


class Permanent(Exception):
    permanent = True


def row(factory, destination: str = "slack:C1") -> DigestPost:
    with factory() as session:
        return session.execute(
            select(DigestPost).where(DigestPost.week == WEEK, DigestPost.destination == destination)
        ).scalar_one()


def run_deliver(ledger, poster, policy=FAST):
    return asyncio.run(deliver(poster, WEEK, sample(), b"png", ledger, policy))


@pytest.mark.parametrize("runners", [2, 4])
def test_concurrent_runs_post_once(engine, database_url, runners):
    """Processes racing the claim: one posts, the others see it is being posted."""
    poster = RecordingPoster(delay=0.3)
    barrier = threading.Barrier(runners)
    outcomes = []

    def one_process() -> None:
        own = make_engine(database_url)
        try:
            ledger = PostLedger(session_factory(own), timedelta(minutes=15))
            barrier.wait()
            outcomes.append(run_deliver(ledger, poster))
        finally:
            own.dispose()

    threads = [threading.Thread(target=one_process) for _ in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert poster.calls == 1
    assert sorted(o.status for o in outcomes) == ["in_progress"] * (runners - 1) + ["sent"]
    posted = row(session_factory(engine))
    assert (posted.status, posted.attempts, posted.claim_token) == ("sent", 1, None)
    # And once it is sent, any later run leaves it alone.
    late = run_deliver(PostLedger(session_factory(engine), timedelta(minutes=15)), poster)
    assert late.status == "already_sent" and poster.calls == 1


def test_failures_are_retried_then_recorded_then_retried_next_start(factory, caplog):
    ledger = PostLedger(factory, timedelta(minutes=15))
    failing = RecordingPoster(failures=10)
    with caplog.at_level(logging.WARNING, logger="insights.digest.delivery"):
        outcome = run_deliver(ledger, failing)
    assert (outcome.status, outcome.attempts, failing.calls) == ("failed", 3, 3)
    stored = row(factory)
    assert (stored.status, stored.attempts, stored.claim_token) == ("failed", 3, None)
    assert stored.last_error == "HTTP 500 from the API"
    messages = [r.getMessage() for r in caplog.records]
    assert sum("retrying in" in m for m in messages) == 2
    assert any("recorded, retried at the next start" in m for m in messages)

    assert ledger.unsent("2026-W40") == [(WEEK, "slack:C1")]
    recovered = RecordingPoster()
    outcome = run_deliver(ledger, recovered)  # the next start
    assert (outcome.status, outcome.attempts, recovered.calls) == ("sent", 4, 1)
    stored = row(factory)
    assert (stored.status, stored.last_error) == ("sent", None)
    assert ledger.unsent("2026-W40") == []


def test_backoff_doubles_and_honours_retry_after(factory):
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    error = RuntimeError("rate limited")
    error.retry_after = 7.0  # type: ignore[attr-defined]
    poster = RecordingPoster(failures=3, error=error)
    policy = RetryPolicy(attempts=4, first_delay=2.0)
    ledger = PostLedger(factory, timedelta(minutes=15))
    outcome = asyncio.run(deliver(poster, WEEK, sample(), b"png", ledger, policy, sleep))
    assert outcome.status == "sent"
    assert waits == [7.0, 7.0, 8.0]  # max(2, 7), max(4, 7), max(8, 7)


def test_a_permanent_error_is_not_retried_in_the_run(factory):
    poster = RecordingPoster(failures=1, error=Permanent("channel_not_found"))
    outcome = run_deliver(PostLedger(factory, timedelta(minutes=15)), poster)
    assert (outcome.status, poster.calls) == ("failed", 1)
    assert row(factory).last_error == "channel_not_found"


def test_progress_survives_a_failure(factory):
    """A retry repeats only the steps that had not succeeded."""
    sent: list[str] = []

    class TwoSteps:
        destination = "telegram:42"

        def __init__(self) -> None:
            self.photo_failures = 1

        async def post(self, digest, chart, progress, checkpoint) -> str:
            if "text" not in progress:
                sent.append("text")
                progress["text"] = 101
                await checkpoint()
            if self.photo_failures:
                self.photo_failures -= 1
                raise RuntimeError("timeout")
            sent.append("photo")
            return "ok"

    outcome = run_deliver(PostLedger(factory, timedelta(minutes=15)), TwoSteps())
    assert outcome.status == "sent" and sent == ["text", "photo"]
    assert row(factory, "telegram:42").progress == '{"text": 101}'


def test_a_stale_claim_is_taken_over_and_a_fresh_one_is_not(factory):
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    clock = [now]
    ledger = PostLedger(factory, timedelta(minutes=15), clock=lambda: clock[0])
    crashed = ledger.claim(WEEK, "slack:C1")  # a process that then died mid-post
    assert isinstance(crashed, PostClaim)
    clock[0] = now + timedelta(minutes=5)
    assert ledger.unsent("2026-W40", include_failed=False) == []
    busy = run_deliver(ledger, RecordingPoster())
    assert busy.status == "in_progress"
    clock[0] = now + timedelta(minutes=16)
    assert ledger.unsent("2026-W40", include_failed=False) == [(WEEK, "slack:C1")]
    poster = RecordingPoster()
    taken = run_deliver(ledger, poster)
    assert (taken.status, poster.calls) == ("sent", 1)
    # The crashed process, had it only been paused, finds its claim gone and stops.
    with pytest.raises(ClaimLost):
        ledger.mark_sent(crashed)


def test_a_process_that_lost_its_claim_does_not_post_on(factory):
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    clock = [now]
    ledger = PostLedger(factory, timedelta(minutes=15), clock=lambda: clock[0])
    slow = ledger.claim(WEEK, "slack:C1")
    assert isinstance(slow, PostClaim)
    clock[0] = now + timedelta(minutes=20)
    other = ledger.claim(WEEK, "slack:C1")
    assert isinstance(other, PostClaim)
    with pytest.raises(ClaimLost):
        ledger.start_attempt(slow)
    ledger.mark_sent(other)
    assert row(factory).status == "sent"


def test_attempt_timeout_counts_as_a_failure(factory):
    poster = RecordingPoster(delay=5.0)
    policy = RetryPolicy(attempts=1, first_delay=0.0, attempt_timeout=0.2)
    started = time.monotonic()
    outcome = run_deliver(PostLedger(factory, timedelta(minutes=15)), poster, policy)
    assert outcome.status == "failed" and time.monotonic() - started < 3
    assert row(factory).last_error == "TimeoutError"
