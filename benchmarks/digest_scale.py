"""Digest and at-risk list on a big company: time both on N customers (default 1,000,000) in SQLite.

    python benchmarks/digest_scale.py [--customers 1000000] [--database PATH] [--runs 3]

Generates the data with bulk inserts straight into a migrated SQLite file (not through the
CSV importer, which has its own benchmark): customers with churn history, six months of
activity and billing events, surveys with answers, comments, reason tags and sentiment,
exit interviews, follow-ups. Then times, for the last full week:

- the digest's figures: `compose(..., weights=None)` (8 weeks of metrics, responses,
  reasons and quotes, follow-ups, saves, benchmark), target < 3 s;
- the at-risk list: `insights.at_risk.at_risk(limit=10)`, target < 10 s;
- the whole digest as posted (figures + at-risk list) and its renderings (text, Markdown,
  JSON, the PNG chart).

Each is run --runs times; the first run and the best are reported. With --database PATH an
existing file of the same size is reused (generation takes a few minutes). Results go in
docs/digest.md.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from zoneinfo import ZoneInfo

from insights.at_risk import at_risk
from insights.digest import (
    IsoWeek,
    compose,
    numbers,
    render_chart,
    render_json,
    render_markdown,
    render_text,
)
from insights.risk import default_weights
from storage import schema
from storage.database import make_engine, session_factory

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
TZ = ZoneInfo("Europe/Copenhagen")
PLANS = [("starter", 19, 45), ("team", 49, 35), ("business", 149, 15), ("enterprise", 499, 5)]
REASONS = ["price", "support", "missing_features", "bugs", "usability", "competitor",
           "no_need", "billing", "neglect", "external"]  # fmt: skip
COMMENTS = {
    "price": "Too expensive for what we actually use",
    "support": "Support took a week to answer a simple question",
    "missing_features": "We need proper reporting and an export",
    "bugs": "The app keeps crashing when we sync",
    "usability": "Too complicated for the team, onboarding was painful",
    "competitor": "Another tool does the same for less",
    "no_need": "We no longer need it since the project ended",
    "billing": "We were charged twice this month",
    "neglect": "Nobody ever checked in with us",
    "external": "Our company is closing the department",
}
BATCH = 50_000


def ts(moment: datetime) -> str:
    """The text `storage.types.UTCDateTime` stores in SQLite."""
    return moment.astimezone(UTC).isoformat(sep=" ", timespec="microseconds")[:26]


def days_ago(rng: random.Random, low: float, high: float) -> datetime:
    return NOW - timedelta(days=rng.uniform(low, high))


class Loader:
    """executemany in batches on one connection, in one transaction per table."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def load(self, table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        total, batch = 0, []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                self.connection.executemany(sql, batch)
                total += len(batch)
                batch.clear()
        if batch:
            self.connection.executemany(sql, batch)
            total += len(batch)
        self.connection.commit()
        return total


def generate(path: Path, customers: int, seed: int) -> dict[str, int]:
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    rng = random.Random(seed)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-262144")
    loader = Loader(connection)
    counts: dict[str, int] = {}

    plans = [name for name, _, _ in PLANS]
    mrr_of = {name: mrr for name, mrr, _ in PLANS}
    weights = [share for _, _, share in PLANS]
    people: list[tuple[int, datetime, datetime | None, str | None, datetime | None]] = []
    for cid in range(1, customers + 1):
        signed = days_ago(rng, 1, 1100)
        churned = churn_type = reactivated = None
        if rng.random() < 0.18:
            churned = signed + (NOW - signed) * rng.random()
            churn_type = "voluntary" if rng.random() < 0.75 else "involuntary"
            if rng.random() < 0.12:
                back = churned + timedelta(days=rng.uniform(1, 60))
                reactivated = back if back < NOW else None
        people.append((cid, signed, churned, churn_type, reactivated))

    def customer_rows() -> Iterator[tuple[Any, ...]]:
        for cid, signed, churned, churn_type, reactivated in people:
            plan = rng.choices(plans, weights)[0]
            active = churned is None or reactivated is not None
            last = NOW - timedelta(days=rng.expovariate(1 / 6)) if active else churned
            failing = ts(days_ago(rng, 1, 10)) if active and rng.random() < 0.003 else None
            yield (
                cid, f"C{cid:07d}", f"Customer {cid}", "en", plan, mrr_of[plan], ts(signed),
                "active" if active else "churned", None if active else ts(churned),  # type: ignore[arg-type]
                None if active else churn_type, ts(last), failing, 0, ts(signed), ts(signed),  # type: ignore[arg-type]
            )  # fmt: skip

    counts["customers"] = loader.load(
        "customers",
        [
            "id",
            "external_id",
            "name",
            "language",
            "plan",
            "mrr",
            "signed_up_at",
            "status",
            "churned_at",
            "churn_type",
            "last_activity_at",
            "payment_failed_since",
            "lifecycle_stale",
            "created_at",
            "updated_at",
        ],
        customer_rows(),
    )
    counts["churns"] = loader.load(
        "churns",
        ["customer_id", "churned_at", "churn_type", "cause", "reactivated_at"],
        (
            (
                cid,
                ts(churned),
                kind,
                "cancelled" if kind == "voluntary" else "payment_failed",
                ts(back) if back else None,
            )
            for cid, _, churned, kind, back in people
            if churned is not None
        ),
    )

    event_no = 0

    def event_rows() -> Iterator[tuple[Any, ...]]:
        nonlocal event_no
        for cid, signed, churned, kind, back in people:
            active = churned is None or back is not None
            moments: list[tuple[str, datetime]] = []
            if active:
                oldest = min(180.0, (NOW - signed).days + 0.5)
                visits = rng.randint(0, 8)
                moments += [("activity", days_ago(rng, 0, oldest)) for _ in range(visits)]
                if rng.random() < 0.02:
                    moments.append(("payment_failed", days_ago(rng, 0, 30)))
                if rng.random() < 0.05:
                    moments.append(("support_ticket_closed", days_ago(rng, 0, 90)))
            if churned is not None:
                cause = "subscription_cancelled" if kind == "voluntary" else "payment_failed"
                moments.append((cause, churned))
            for type_, moment in moments:
                event_no += 1
                stamp = ts(moment)
                yield (f"E{event_no}", cid, type_, stamp, stamp, stamp)

    counts["events"] = loader.load(
        "events",
        ["event_id", "customer_id", "type", "occurred_at", "created_at", "updated_at"],
        event_rows(),
    )

    sessions: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    tags: list[tuple[Any, ...]] = []
    session_id = answer_id = 0
    half_year = 182

    def add_answer(sid: int, cid: int, survey: str, question: str, when: datetime,
                   score: int | None = None, choice: str | None = None, text: str | None = None,
                   sentiment: float | None = None) -> int:  # fmt: skip
        nonlocal answer_id
        answer_id += 1
        label = None if sentiment is None else "negative" if sentiment < -0.1 else "neutral"
        stamp = ts(when)
        answers.append((answer_id, sid, cid, survey, question, score, choice, text, stamp,
                        "telegram", "en", sentiment, label, stamp, stamp))  # fmt: skip
        return answer_id

    def survey(cid: int, kind: str, sent: datetime, respond: float) -> None:
        nonlocal session_id
        session_id += 1
        answered = rng.random() < respond
        done = sent + timedelta(hours=rng.uniform(0.1, 48))
        saved = kind == "exit" and answered and rng.random() < 0.1
        sessions.append((session_id, cid, kind, "completed" if answered else "expired", "telegram",
                         ts(sent), ts(done), ts(sent), ts(done) if answered else None,
                         1 if saved else 0))  # fmt: skip
        if not answered:
            return
        if kind == "exit":
            reason = rng.choice(REASONS)
            add_answer(session_id, cid, kind, "reason", done, choice=reason)
            aid = add_answer(session_id, cid, kind, "comment", done, text=COMMENTS[reason],
                             sentiment=rng.uniform(-0.9, -0.2))  # fmt: skip
            tags.append((aid, reason, f"bench.{reason}", "rules", ts(done)))
            return
        score = rng.randint(0, 10) if kind == "nps" else rng.randint(1, 5)
        add_answer(session_id, cid, kind, "score", done, score=score)
        if rng.random() < 0.35:
            reason = rng.choice(REASONS)
            aid = add_answer(session_id, cid, kind, "comment", done, text=COMMENTS[reason],
                             sentiment=rng.uniform(-0.9, 0.5))  # fmt: skip
            if rng.random() < 0.6:
                tags.append((aid, reason, f"bench.{reason}", "rules", ts(done)))

    for cid, signed, churned, _, _back in people:
        age = (NOW - signed).days
        if rng.random() < 0.5 and age > 1:
            survey(cid, "nps", days_ago(rng, 0.5, min(half_year, age)), 0.4)
        if rng.random() < 0.15 and age > 1:
            survey(cid, "csat", days_ago(rng, 0.5, min(half_year, age)), 0.6)
        if churned is not None and (NOW - churned).days < half_year:
            survey(cid, "exit", churned + timedelta(hours=1), 0.4)

    counts["survey_sessions"] = loader.load(
        "survey_sessions",
        [
            "id",
            "customer_id",
            "survey",
            "status",
            "channel",
            "created_at",
            "updated_at",
            "sent_at",
            "completed_at",
            "save_opportunity",
        ],
        iter(sessions),
    )
    counts["answers"] = loader.load(
        "answers",
        [
            "id",
            "session_id",
            "customer_id",
            "survey",
            "question",
            "score",
            "choice",
            "text",
            "answered_at",
            "channel",
            "language",
            "sentiment",
            "sentiment_label",
            "created_at",
            "updated_at",
        ],
        iter(answers),
    )
    counts["answer_tags"] = loader.load(
        "answer_tags", ["answer_id", "reason", "rule", "source", "created_at"], iter(tags)
    )

    def follow_up_rows() -> Iterator[tuple[Any, ...]]:
        for _ in range(max(1, customers // 50)):
            created = days_ago(rng, 0, half_year)
            contacted = created + timedelta(days=rng.uniform(0, 3)) if rng.random() < 0.7 else None
            resolved = (
                contacted + timedelta(days=rng.uniform(0, 7))
                if contacted and rng.random() < 0.6
                else None
            )
            status = "resolved" if resolved else "contacted" if contacted else "open"
            yield (
                rng.randint(1, customers), "detractor", status, ts(created), ts(created),
                ts(contacted) if contacted else None, ts(resolved) if resolved else None,
            )  # fmt: skip

    counts["follow_ups"] = loader.load(
        "follow_ups",
        [
            "customer_id",
            "kind",
            "status",
            "created_at",
            "updated_at",
            "contacted_at",
            "resolved_at",
        ],
        follow_up_rows(),
    )
    connection.close()
    return counts


def timed(runs: int, work: Callable[[], Any]) -> tuple[float, float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return times[0], min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database", type=Path, help="Reuse (or create) this SQLite file.")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with TemporaryDirectory() as folder:
        path = args.database or Path(folder) / "digest_scale.db"
        existing = None
        if path.exists():
            with sqlite3.connect(path) as connection:
                existing = connection.execute("SELECT count(*) FROM customers").fetchone()[0]
        if existing == args.customers:
            print(f"reusing {path} ({existing:,} customers)")
            engine = make_engine(f"sqlite:///{path}")
            schema.upgrade(engine)  # a file made by an older version gets today's indexes
            engine.dispose()
        else:
            if path.exists():
                sys.exit(f"{path} holds {existing} customers, not {args.customers}; remove it")
            started = time.perf_counter()
            counts = generate(path, args.customers, args.seed)
            print(f"generated in {time.perf_counter() - started:.0f} s: "
                  + ", ".join(f"{n:,} {table}" for table, n in counts.items()))  # fmt: skip
        print(f"database file: {path.stat().st_size / 1e9:.2f} GB")

        engine = make_engine(f"sqlite:///{path}")
        factory = session_factory(engine)
        week = IsoWeek.last_full(NOW, TZ)
        weights = default_weights()
        print(f"week {week} ({week.span()}), {args.runs} runs each; first / best:")

        def figures() -> Any:
            with factory() as session:
                return compose(session, week, TZ, now=NOW, weights=None, industry="it")

        def risk_list() -> Any:
            with factory() as session:
                return at_risk(session, week.end(TZ), weights, limit=10)

        def whole() -> Any:
            with factory() as session:
                return compose(session, week, TZ, now=NOW, weights=weights, industry="it")

        rows = []
        first, best, digest = timed(args.runs, figures)
        rows.append(("digest figures (8 weeks, reasons, staff work)", first, best, "< 3 s"))
        first, best, _ = timed(max(1, args.runs - 1), risk_list)
        rows.append(("at-risk list (top 10)", first, best, "< 10 s"))
        first, best, digest = timed(1, whole)
        rows.append(("whole digest (figures + at-risk list)", first, best, ""))
        first, best, _ = timed(
            args.runs,
            lambda: (render_text(digest), render_markdown(digest), render_json(digest)),
        )
        rows.append(("text + Markdown + JSON rendering", first, best, ""))
        first, best, png = timed(args.runs, lambda: render_chart(digest))
        rows.append((f"chart PNG ({len(png) // 1024} KB)", first, best, ""))
        engine.dispose()

        width = max(len(name) for name, *_ in rows)
        for name, first, best, target in rows:
            print(f"  {name:<{width}}  {first:7.2f} s  {best:7.2f} s  {target}")
        current = digest.current
        print(
            f"week figures: {current.customers_start:,} customers at start, "
            f"{current.lost_customers:,} lost, NPS {numbers.nps(current.nps)}, "
            f"{current.answers:,} answers received, {len(digest.leaving_reasons)} leaving and "
            f"{len(digest.feedback_reasons)} feedback reasons"
        )


if __name__ == "__main__":
    main()
