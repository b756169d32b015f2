"""Scale run: 1,000,000 customers, 3,000,000 survey responses, 10,000,000 events, end to end.

Issue "Run it for real", item 4: does the product hold at the size of a large customer, on
SQLite and on PostgreSQL? For each database this measures

- the imports, through the real CLI as a user runs them (`retention-bot db upgrade`, then
  `retention-bot import customers|events|responses FILE`, each a subprocess): wall time
  and the process's peak RSS. The events import includes the churn replay it ends with;
  the responses import includes tagging the comments (split, from the time its summary
  line appears);
- then, each in a fresh subprocess so the peak RSS is that of the query alone, for the
  last full week: the digest figures (`compose(..., weights=None)`, target < 3 s), the
  at-risk top 10 (`at_risk(limit=10)`, target < 10 s), the whole digest as the Monday job
  composes it (`bot.digest_posting.compose_week`: churn refresh + figures + at-risk list),
  and the floor: ONE hand-written SQL statement computing the same week's NPS and churn
  rate, so the ratio shows what the product's layers cost over the database's own work.
  Each runs --runs times (default 3); first and best are reported;
- the same queries again after `ANALYZE` (SQLite) / `VACUUM ANALYZE` (PostgreSQL), since
  nothing in the product runs them after a bulk import (skip with --no-analyze).

Peak memory target: < 500 MB for every process. PostgreSQL's own server memory is not in
these figures (it is another process); only the client's is.

    .venv/bin/python benchmarks/scale.py [--customers 1000000 --answers 3000000
        --events 10000000] [--database sqlite|postgresql|both] [--postgres-url URL]
        [--workdir DIR] [--keep] [--runs 3] [--no-analyze] [--small] [--seed 1]

Defaults: the full size, both databases one after the other (hours: about 1 h per
database on 2 cores), PostgreSQL at postgresql+psycopg://postgres@127.0.0.1:5432/test in a
fresh schema dropped afterwards. `--small` is 20,000 / 60,000 / 200,000 (a minute or two).
The CSV files are generated once per run (seeded, streamed to disk, constant memory; data
is dated relative to --today, default today in UTC) and reused with --workdir DIR --keep.
Results: benchmarks/results/scale-<database>[-<size>].md and .json, and the table on stdout.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_DIGEST_S = 3.0
TARGET_AT_RISK_S = 10.0
TARGET_MEMORY_MB = 500.0
WINDOW_DAYS = 182  # events and answers cover the last six months
SIGNUP_DAYS = 730  # customers signed up over the last two years


@dataclass(frozen=True)
class Sizes:
    customers: int
    answers: int
    events: int


FULL = Sizes(customers=1_000_000, answers=3_000_000, events=10_000_000)
SMALL = Sizes(customers=20_000, answers=60_000, events=200_000)


def say(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# --------------------------------------------------------------------------- data files


class _Quota:
    """Spreads `target` items over `units` customers so that the total comes out exact.

    Each customer has a fixed part (e.g. monthly payments, known from their dates) and a
    variable part proportional to a weight (e.g. how long and how actively they were a
    customer). The rate per unit of weight is re-estimated before each customer from the
    running averages, so the last customer only absorbs a rounding remainder.
    """

    def __init__(self, target: int, units: int) -> None:
        self.target = target
        self.units_left = units
        self.done = 0
        self.seen = 0
        self.fixed_sum = 0.0
        self.weight_sum = 0.0

    def rate(self, fixed: float, weight: float) -> float:
        self.seen += 1
        self.fixed_sum += fixed
        self.weight_sum += weight
        mean_fixed = self.fixed_sum / self.seen
        mean_weight = self.weight_sum / self.seen
        left = self.target - self.done - mean_fixed * self.units_left
        return max(0.0, left / max(mean_weight * self.units_left, 1e-9))

    def budget(self) -> int:
        return self.target - self.done

    def take(self, count: int) -> None:
        self.done += count
        self.units_left -= 1


class _Company:
    """One synthetic company, written customer by customer (constant memory)."""

    def __init__(self, folder: Path, sizes: Sizes, seed: int, now: datetime) -> None:
        from bot.demo_phrases import NEUTRAL, PRAISE, REASON_PHRASES
        from bot.synthetic import (
            COMPANIES,
            DETRACTOR_REASONS,
            EXIT_REASONS,
            FIRST,
            LANGUAGES,
            LAST,
            PLANS,
            TIMEZONES,
        )

        self.phrases, self.praise, self.neutral = REASON_PHRASES, PRAISE, NEUTRAL
        self.first, self.last, self.companies, self.timezones = FIRST, LAST, COMPANIES, TIMEZONES
        self.languages = [name for name, _ in LANGUAGES]
        self.language_weights = [share for _, share in LANGUAGES]
        self.plans = PLANS
        self.plan_weights = [share for _, _, share, _ in PLANS]
        self.exit_reasons = EXIT_REASONS
        self.detractor_reasons = DETRACTOR_REASONS
        self.rng = random.Random(seed)
        self.now = now.replace(tzinfo=None)  # naive UTC inside: faster, written with "Z"
        self.start = self.now - timedelta(days=WINDOW_DAYS)
        self.sizes = sizes
        self.event_quota = _Quota(sizes.events, sizes.customers)
        self.answer_quota = _Quota(sizes.answers, sizes.customers)
        self.counts = {"customers": 0, "events": 0, "responses": 0, "comments": 0}
        self.event_types: dict[str, int] = {}
        self.surveys: dict[str, int] = {}
        self.files = {
            name: (folder / f"{name}.csv").open("w", encoding="utf-8", newline="")
            for name in ("customers", "events", "responses")
        }
        self.out = {name: csv.writer(f) for name, f in self.files.items()}
        self.out["customers"].writerow(
            ["external_id", "name", "email", "language", "timezone", "plan", "mrr", "signed_up_at"]
        )
        self.out["events"].writerow(["event_id", "external_id", "type", "occurred_at", "amount"])
        self.out["responses"].writerow(
            ["response_id", "external_id", "survey", "score", "comment", "answered_at"]
        )

    def close(self) -> None:
        for f in self.files.values():
            f.close()

    @staticmethod
    def stamp(moment: datetime) -> str:
        return moment.isoformat(timespec="seconds") + "Z"

    def pick(self, weighted: list[tuple[str, int]]) -> str:
        names = [name for name, _ in weighted]
        return self.rng.choices(names, weights=[weight for _, weight in weighted])[0]

    def moment(self, segments: list[tuple[datetime, datetime]]) -> datetime:
        """A uniformly random moment inside the segments (where the customer was one)."""
        total = sum((end - begin).total_seconds() for begin, end in segments)
        x = self.rng.random() * total
        for begin, end in segments:
            length = (end - begin).total_seconds()
            if x <= length:
                return begin + timedelta(seconds=x)
            x -= length
        return segments[-1][1] - timedelta(seconds=1)

    def customer(self, n: int, last: bool) -> None:
        rng = self.rng
        who = f"C{n:07d}"
        lang = rng.choices(self.languages, weights=self.language_weights)[0]
        plan, mrr, _, monthly_churn = rng.choices(self.plans, weights=self.plan_weights)[0]
        health = rng.random() ** 0.8
        signed = self.now - timedelta(
            days=rng.uniform(1, SIGNUP_DAYS), seconds=rng.randrange(86_400)
        )
        begin = max(self.start, signed)
        churn_at, churn_type = self._churn(begin, monthly_churn, health)
        back = None
        if churn_at is not None and rng.random() < 0.15:
            candidate = churn_at + timedelta(days=rng.uniform(15, 60))
            back = candidate if candidate < self.now - timedelta(days=1) else None
        segments = [(begin, churn_at or self.now)]
        if back is not None:
            segments.append((back, self.now))
        first, family = rng.choice(self.first[lang]), rng.choice(self.last[lang])
        name = f"{family}{first}" if lang == "zh" else f"{first} {family}"
        self.out["customers"].writerow(
            [who, name, f"{who.lower()}@example.com", lang, self.timezones[lang], plan,
             f"{mrr}.00", self.stamp(signed)]
        )  # fmt: skip
        self.counts["customers"] += 1
        self._events(who, health, signed, segments, churn_at, churn_type, back, f"{mrr}.00", last)
        self._responses(who, lang, health, segments, churn_at, churn_type, last)

    def _churn(
        self, begin: datetime, monthly: float, health: float
    ) -> tuple[datetime | None, str | None]:
        factor = 2.6 if health < 0.3 else 1.0 if health < 0.7 else 0.35
        month = begin
        while month < self.now:
            if self.rng.random() < monthly * factor:
                when = month + timedelta(days=self.rng.uniform(0, 30))
                if when < self.now - timedelta(days=1):
                    return when, "involuntary" if self.rng.random() < 0.3 else "voluntary"
                return None, None
            month += timedelta(days=30)
        return None, None

    def _events(
        self,
        who: str,
        health: float,
        signed: datetime,
        segments: list[tuple[datetime, datetime]],
        churn_at: datetime | None,
        churn_type: str | None,
        back: datetime | None,
        amount: str,
        last: bool,
    ) -> None:
        rng = self.rng
        events: list[tuple[datetime, str, str]] = []
        if signed >= self.start:
            events.append((signed, "subscription_started", ""))
        for index, (begin, end) in enumerate(segments):
            if index == 1 and back is not None:  # the return: a new subscription or late pay
                kind = "subscription_started" if churn_type == "voluntary" else "payment_succeeded"
                events.append((back, kind, amount if kind == "payment_succeeded" else ""))
                due = back + timedelta(days=30)
            else:
                cycles = max(0, -(-(begin - signed).days // 30))
                due = signed + timedelta(days=30 * cycles)
            while due < end:
                if rng.random() < 0.04 and due + timedelta(days=10) < end:
                    # Dunning recovers these within the grace period.
                    events.append((due, "payment_failed", amount))
                    paid = due + timedelta(days=rng.uniform(1, 10))
                    events.append((paid, "payment_succeeded", amount))
                else:
                    events.append((due, "payment_succeeded", amount))
                due += timedelta(days=30)
            rate = (0.05 + (1 - health) * 0.3) / 30  # support tickets per day
            at = begin + timedelta(days=rng.expovariate(rate))
            while at < end:
                events.append((at, "support_ticket_closed", ""))
                at += timedelta(days=rng.expovariate(rate))
        if churn_at is not None:
            kind = "subscription_cancelled" if churn_type == "voluntary" else "payment_failed"
            events.append((churn_at, kind, amount if kind == "payment_failed" else ""))
        active_now = churn_at is None or back is not None
        if active_now and health < 0.5 and rng.random() < 0.06:
            # A failed payment still inside its grace period: a risk signal, not yet churn.
            failed = self.now - timedelta(days=rng.uniform(1, 10))
            if failed > segments[-1][0]:
                events.append((failed, "payment_failed", amount))
        # Activity: the variable part, as many as keep the file on its target size.
        active_days = sum((end - begin).total_seconds() for begin, end in segments) / 86_400
        weight = active_days / WINDOW_DAYS * (0.3 + 1.4 * health)
        rate = self.event_quota.rate(len(events), weight)
        wanted = int(rng.gammavariate(2.0, rate * weight / 2) + 0.5) if rate * weight > 0 else 0
        budget = self.event_quota.budget()
        if last:
            wanted = max(0, budget - len(events))
        activity_segments = list(segments)
        if active_now and health < 0.3 and rng.random() < 0.5 and not last:
            # Unhappy customers who still pay but went quiet: the at-risk list should see them.
            quiet = self.now - timedelta(days=rng.uniform(15, 50))
            activity_segments = [(b, min(e, quiet)) for b, e in segments if b < quiet]
        if activity_segments:
            for _ in range(wanted):
                kind = "purchase" if rng.random() < 0.08 else "activity"
                events.append((self.moment(activity_segments), kind, ""))
        events.sort()
        del events[budget:]
        out = self.out["events"]
        number = self.counts["events"]
        for at, kind, money in events:
            number += 1
            out.writerow([f"E{number:09d}", who, kind, self.stamp(at), money])
            self.event_types[kind] = self.event_types.get(kind, 0) + 1
        self.counts["events"] = number
        self.event_quota.take(len(events))

    def _comment(self, lang: str, score: int, top: int, reasons: list[tuple[str, int]]) -> str:
        rng = self.rng
        if score >= top - (1 if top == 10 else 0):
            return rng.choice(self.praise[lang])
        if score >= (7 if top == 10 else 4):
            return rng.choice(self.neutral[lang])
        first = self.pick(reasons)
        comment = rng.choice(self.phrases[lang][first])
        if rng.random() < 0.25:
            second = self.pick(reasons)
            if second != first:
                comment += " " + rng.choice(self.phrases[lang][second])
        return comment

    def _responses(
        self,
        who: str,
        lang: str,
        health: float,
        segments: list[tuple[datetime, datetime]],
        churn_at: datetime | None,
        churn_type: str | None,
        last: bool,
    ) -> None:
        rng = self.rng
        rows: list[tuple[datetime, str, int | None, str]] = []
        if churn_type == "voluntary" and churn_at is not None and rng.random() < 0.6:
            answered = churn_at + timedelta(hours=rng.uniform(2, 60))
            if answered < self.now:
                reason = self.pick(self.exit_reasons)
                rows.append((answered, "exit", None, rng.choice(self.phrases[lang][reason])))
        active_days = sum((end - begin).total_seconds() for begin, end in segments) / 86_400
        weight = active_days / WINDOW_DAYS
        rate = self.answer_quota.rate(len(rows), weight)
        wanted = int(rng.gammavariate(2.0, rate * weight / 2) + 0.5) if rate * weight > 0 else 0
        budget = self.answer_quota.budget()
        if last:
            wanted = max(0, budget - len(rows))
        for _ in range(wanted):
            at = self.moment(segments)
            mood = health * (
                0.5 if churn_at and timedelta(0) < churn_at - at < timedelta(60) else 1
            )
            if rng.random() < 0.58:
                if mood > 0.7:
                    score = rng.choice([8, 9, 9, 10, 10, 10])
                elif mood > 0.4:
                    score = rng.choice([6, 7, 7, 8, 8, 9])
                else:
                    score = rng.choice([0, 2, 3, 4, 5, 6, 6, 7])
                comment = ""
                if rng.random() < 0.30:
                    comment = self._comment(lang, score, 10, self.detractor_reasons)
                rows.append((at, "nps", score, comment))
            else:
                if mood > 0.75:
                    score = rng.choice([4, 5, 5, 5])
                elif mood > 0.35:
                    score = rng.choice([2, 3, 4, 4, 5])
                else:
                    score = rng.choice([1, 1, 2, 2, 3, 4])
                comment = ""
                if rng.random() < 0.20:
                    reasons = [("support", 60), ("bugs", 20), ("usability", 20)]
                    comment = self._comment(lang, score, 5, reasons)
                rows.append((at, "csat", score, comment))
        rows.sort(key=lambda row: row[0])
        del rows[budget:]
        out = self.out["responses"]
        number = self.counts["responses"]
        for at, survey, score, comment in rows:
            number += 1
            out.writerow(
                [f"R{number:09d}", who, survey, "" if score is None else score, comment,
                 self.stamp(at)]
            )  # fmt: skip
            self.surveys[survey] = self.surveys.get(survey, 0) + 1
            self.counts["comments"] += 1 if comment else 0
        self.counts["responses"] = number
        self.answer_quota.take(len(rows))


def write_files(folder: Path, sizes: Sizes, seed: int, today: date) -> dict[str, Any]:
    """customers.csv, events.csv, responses.csv in `folder`; reused if already written."""
    manifest_path = folder / "manifest.json"
    wanted = {"sizes": asdict(sizes), "seed": seed, "today": today.isoformat()}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if {key: manifest.get(key) for key in wanted} == wanted:
            say(f"reusing the CSV files in {folder}")
            return dict(manifest)
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    started = time.perf_counter()
    company = _Company(folder, sizes, seed, now)
    try:
        step = max(1, sizes.customers // 10)
        for n in range(1, sizes.customers + 1):
            company.customer(n, last=n == sizes.customers)
            if n % step == 0:
                say(f"  generated {n:,} customers, {company.counts['events']:,} events")
    finally:
        company.close()
    manifest = {
        **wanted,
        "counts": company.counts,
        "event_types": dict(sorted(company.event_types.items())),
        "surveys": dict(sorted(company.surveys.items())),
        "bytes": {name: (folder / f"{name}.csv").stat().st_size for name in company.files},
        "seconds": round(time.perf_counter() - started, 1),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return manifest


# --------------------------------------------------------------------------- subprocesses


@dataclass
class Child:
    """One finished subprocess: wall time, its own peak RSS, timestamped stdout lines."""

    seconds: float
    peak_mb: float
    returncode: int
    lines: list[tuple[float, str]]
    stderr: str


def run_child(
    args: list[str], env: dict[str, str], cwd: Path, watch: Callable[[], bool] | None = None
) -> Child:
    """Run a command; `os.wait4` gives the peak RSS of that process alone.

    `watch`, if given, is polled every 2 s while the command runs; the first time it is
    true is recorded as a line "(watch)", to split a command into phases from outside.
    """
    err_path = cwd / f"stderr-{uuid.uuid4().hex[:8]}.txt"
    lines: list[tuple[float, str]] = []
    started = time.perf_counter()
    done = threading.Event()

    def poll() -> None:
        while not done.wait(2.0):
            try:
                if watch is not None and watch():
                    lines.append((time.perf_counter() - started, "(watch)"))
                    return
            except Exception:  # the database may be busy or not there yet: try again
                continue

    with err_path.open("w+", encoding="utf-8") as err:
        process = subprocess.Popen(
            args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=err, text=True
        )
        watcher = threading.Thread(target=poll, daemon=True)
        if watch is not None:
            watcher.start()
        assert process.stdout is not None
        for line in process.stdout:
            lines.append((time.perf_counter() - started, line.rstrip("\n")))
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        if watch is not None:
            watcher.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        process.stdout.close()
        err.seek(0)
        stderr = err.read()
    err_path.unlink()
    lines.sort(key=lambda item: item[0])
    return Child(seconds, usage.ru_maxrss / 1024, process.returncode, lines, stderr[-3000:])


def rows_reached(url: str, table: str, count: int) -> Callable[[], bool]:
    """A watch: true once `table` holds `count` rows (by max(id): one index probe)."""

    def reached() -> bool:
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                top = connection.execute(text(f"SELECT MAX(id) FROM {table}")).scalar()
                return top is not None and int(top) >= count
        finally:
            engine.dispose()

    return reached


def child_env(database_url: str) -> dict[str, str]:
    """The user's environment minus any product setting, plus the database and timezone."""
    from config import VARIABLES

    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in VARIABLES and not key.startswith(("TELEGRAM_", "SLACK_"))
    }
    env.update(DATABASE_URL=database_url, TIMEZONE="UTC", PYTHONUNBUFFERED="1")
    return env


def cli_path() -> str:
    beside = Path(sys.executable).with_name("retention-bot")
    found = str(beside) if beside.exists() else shutil.which("retention-bot")
    if not found:
        sys.exit("retention-bot is not installed in this environment (pip install -e .)")
    return found


# --------------------------------------------------------------------------- queries

FLOOR_SQL = """
SELECT signed.n - gone.n AS customers_start,
       lost.n AS lost,
       ROUND(100.0 * lost.n / NULLIF(signed.n - gone.n, 0), 2) AS churn_rate,
       nps.n AS nps_responses,
       ROUND(100.0 * (nps.promoters - nps.detractors) / NULLIF(nps.n, 0), 2) AS nps
FROM (SELECT COUNT(*) AS n FROM customers WHERE signed_up_at < :start) AS signed,
     (SELECT COUNT(*) AS n
        FROM churns JOIN customers ON customers.id = churns.customer_id
       WHERE churns.churned_at < :start
         AND (churns.reactivated_at IS NULL OR churns.reactivated_at >= :start)
         AND customers.signed_up_at < :start) AS gone,
     (SELECT COUNT(DISTINCT customer_id) AS n FROM churns
       WHERE churned_at >= :start AND churned_at < :end) AS lost,
     (SELECT COUNT(*) AS n,
             COALESCE(SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END), 0) AS promoters,
             COALESCE(SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END), 0) AS detractors
        FROM answers
       WHERE survey = 'nps' AND question = 'score' AND score IS NOT NULL
         AND answered_at >= :start AND answered_at < :end) AS nps
"""


def _floor(engine: Engine, start: datetime, end: datetime) -> dict[str, Any]:
    """The week's NPS and churn rate by one hand-written statement, same definitions."""
    bounds: dict[str, Any] = {"start": start, "end": end}
    if engine.dialect.name == "sqlite":  # the text `storage.types.UTCDateTime` stores
        bounds = {
            key: value.astimezone(UTC).isoformat(sep=" ", timespec="microseconds")[:26]
            for key, value in bounds.items()
        }
    with engine.connect() as connection:
        row = connection.execute(text(FLOOR_SQL), bounds).one()
    return {
        "customers_start": int(row.customers_start),
        "lost_customers": int(row.lost),
        "churn_rate": None if row.churn_rate is None else float(row.churn_rate),
        "nps_responses": int(row.nps_responses),
        "nps": None if row.nps is None else float(row.nps),
    }


def measure(what: str, url: str, today: date, runs: int) -> dict[str, Any]:
    """Run one query `runs` times in this process (the `--measure` child mode)."""
    from zoneinfo import ZoneInfo

    from bot.digest_posting import compose_week
    from config import load_settings
    from insights.at_risk import at_risk
    from insights.digest import IsoWeek, compose
    from insights.risk import default_weights
    from storage.database import make_engine, session_factory

    tz = ZoneInfo("UTC")
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    week = IsoWeek.last_full(now, tz)
    period = week.period(tz)
    engine = make_engine(url)
    factory = session_factory(engine)
    weights = default_weights()
    settings = load_settings(database_url=url, timezone="UTC")

    def figures(digest: Any) -> dict[str, Any]:
        week_figures = digest.current
        return {
            "customers_start": week_figures.customers_start,
            "lost_customers": week_figures.lost_customers,
            "churn_rate": week_figures.churn_rate,
            "nps_responses": week_figures.nps_responses,
            "nps": week_figures.nps,
            "answers": week_figures.answers,
            "reasons": [(r.key, r.customers) for r in digest.reasons],
            "at_risk": len(digest.at_risk),
        }

    def digest_figures() -> dict[str, Any]:
        with factory() as session:
            return figures(compose(session, week, tz, now=now, weights=None))

    def risk_list() -> dict[str, Any]:
        with factory() as session:
            found = at_risk(session, min(now, period.end), weights, limit=10)
        return {"top": [(c.external_id, c.score, f"{c.revenue_at_risk:.2f}") for c in found]}

    def as_posted() -> dict[str, Any]:
        return figures(compose_week(settings, factory, week, now))

    work: dict[str, Callable[[], dict[str, Any]]] = {
        "digest": digest_figures,
        "at_risk": risk_list,
        "compose_week": as_posted,
        "floor": lambda: _floor(engine, period.start, period.end),
    }
    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times: list[float] = []
    result: dict[str, Any] = {}
    for _ in range(runs):
        started = time.perf_counter()
        result = work[what]()
        times.append(time.perf_counter() - started)
    engine.dispose()
    return {"week": str(week), "times": times, "baseline_mb": baseline_mb, "result": result}


# --------------------------------------------------------------------------- one database


@dataclass
class Step:
    name: str
    rows: int | None
    seconds: float
    peak_mb: float | None
    note: str = ""


@dataclass
class Query:
    name: str
    first: float
    best: float
    peak_mb: float
    baseline_mb: float
    target_s: float | None
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class Target:
    """Where the database lives for one run and how to clean it up."""

    kind: str
    url: str
    cleanup: Callable[[], None]
    size: Callable[[], int]
    server: str


def sqlite_target(folder: Path, keep: bool) -> Target:
    path = folder / "scale.db"
    for leftover in folder.glob("scale.db*"):
        leftover.unlink()

    def cleanup() -> None:
        if keep:
            say(f"kept {path}")
            return
        for leftover in folder.glob("scale.db*"):
            leftover.unlink()

    def size() -> int:
        return sum(f.stat().st_size for f in folder.glob("scale.db*"))

    return Target("sqlite", f"sqlite:///{path}", cleanup, size, f"SQLite {sqlite3.sqlite_version}")


PG_SETTINGS = ("autovacuum", "shared_buffers", "work_mem", "effective_cache_size", "fsync",
               "synchronous_commit")  # fmt: skip


def postgres_target(admin_url: str, keep: bool) -> Target:
    name = f"scale_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url)
    with admin.begin() as connection:
        server = str(connection.execute(text("SHOW server_version")).scalar())
        settings = ", ".join(
            f"{setting}={connection.execute(text(f'SHOW {setting}')).scalar()}"
            for setting in PG_SETTINGS
        )
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={name}"})

    def cleanup() -> None:
        if keep:
            say(f"kept PostgreSQL schema {name}")
        else:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()

    def size() -> int:
        with admin.connect() as connection:
            return int(
                connection.execute(
                    text(
                        "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = :s AND c.relkind = 'r'"
                    ),
                    {"s": name},
                ).scalar()
                or 0
            )

    return Target(
        "postgresql", url.render_as_string(hide_password=False), cleanup, size,
        f"PostgreSQL {server} ({settings})",
    )  # fmt: skip


TABLES = ("customers", "churns", "events", "survey_sessions", "answers", "answer_tags")


def table_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table: int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() or 0)
                for table in TABLES
            }
    finally:
        engine.dispose()


def analyze(target: Target) -> tuple[float, dict[str, Any]]:
    """ANALYZE (SQLite) or VACUUM ANALYZE (PostgreSQL); returns seconds and what autovacuum
    had done by then (PostgreSQL)."""
    engine = create_engine(target.url)
    before: dict[str, Any] = {}
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if target.kind == "postgresql":
                for row in connection.execute(
                    text(
                        "SELECT relname, last_autovacuum, last_autoanalyze "
                        "FROM pg_stat_user_tables WHERE schemaname = current_schema()"
                    )
                ):
                    if row.relname in TABLES:
                        before[row.relname] = {
                            "last_autovacuum": str(row.last_autovacuum),
                            "last_autoanalyze": str(row.last_autoanalyze),
                        }
            started = time.perf_counter()
            connection.exec_driver_sql(
                "VACUUM ANALYZE" if target.kind == "postgresql" else "ANALYZE"
            )
            return time.perf_counter() - started, before
    finally:
        engine.dispose()


def run_queries(url: str, today: date, runs: int, cwd: Path, label: str) -> list[Query]:
    env = child_env(url)
    queries = [
        ("digest", "digest figures (8 weeks, reasons, staff work)", TARGET_DIGEST_S),
        ("at_risk", "at-risk list, top 10", TARGET_AT_RISK_S),
        ("compose_week", "whole digest as posted (compose_week)", None),
        ("floor", "floor: one hand-written SQL, NPS + churn", None),
    ]
    found = []
    for what, name, target in queries:
        say(f"  {label}: {name}, {runs} runs")
        child = run_child(
            [sys.executable, str(Path(__file__).resolve()), "--measure", what, "--url", url,
             "--today", today.isoformat(), "--runs", str(runs)],
            env, cwd,
        )  # fmt: skip
        if child.returncode != 0 or not child.lines:
            sys.exit(f"measuring {what} failed ({child.returncode}):\n{child.stderr}")
        data = json.loads(child.lines[-1][1])
        times = data["times"]
        query = Query(name, times[0], min(times), child.peak_mb, data["baseline_mb"], target,
                      {"week": data["week"], **data["result"]})  # fmt: skip
        say(f"    first {query.first:.2f} s, best {query.best:.2f} s, peak {query.peak_mb:.0f} MB")
        found.append(query)
    return found


def run_database(
    target: Target, files: Path, manifest: dict[str, Any], options: argparse.Namespace
) -> dict[str, Any]:
    cli = cli_path()
    env = child_env(target.url)
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    steps: list[Step] = []
    say(f"{target.kind}: {target.server}")

    def cli_step(
        name: str, args: list[str], rows: int | None, watch: Callable[[], bool] | None = None
    ) -> Child:
        say(f"  {name}")
        child = run_child([cli, *args], env, files, watch)
        if child.returncode != 0:
            sys.exit(f"{' '.join(args)} failed ({child.returncode}):\n{child.stderr}")
        output = " / ".join(line for _, line in child.lines if line != "(watch)")
        steps.append(Step(name, rows, child.seconds, child.peak_mb, output))
        rate = f", {rows / child.seconds:,.0f} rows/s" if rows else ""
        say(f"    {child.seconds:.1f} s{rate}, peak {child.peak_mb:.0f} MB: {output}")
        return child

    counts = manifest["counts"]
    cli_step("db upgrade", ["db", "upgrade"], None)
    cli_step("import customers", ["import", "customers", "customers.csv"], counts["customers"])
    child = cli_step(
        "import events (with churn replay)", ["import", "events", "events.csv"],
        counts["events"], rows_reached(target.url, "events", counts["events"]),
    )  # fmt: skip
    inserted = next((at for at, line in child.lines if line == "(watch)"), None)
    if inserted is not None:
        steps.append(
            Step("  of which: inserting events", counts["events"], inserted, None,
                 "until the last row was visible (polled every 2 s)")
        )  # fmt: skip
        steps.append(
            Step("  of which: statistics (PostgreSQL) + churn replay", counts["customers"],
                 child.seconds - inserted, None, "from the last row on; rows = customers")
        )  # fmt: skip
    child = cli_step(
        "import responses (with tagging)", ["import", "responses", "responses.csv"],
        counts["responses"],
    )  # fmt: skip
    summary = next((at for at, line in child.lines if line.startswith("responses:")), None)
    if summary is not None:
        tagged = next((line for _, line in child.lines if line.startswith("tagged")), "")
        steps.append(Step("  of which: reading + writing responses", counts["responses"],
                          summary, None, "until the summary line"))  # fmt: skip
        steps.append(Step("  of which: tagging comments", counts["comments"],
                          child.seconds - summary, None, tagged))  # fmt: skip
    rows = table_counts(target.url)
    database_bytes = target.size()
    say(f"  rows: {rows}; database {database_bytes / 1e9:.2f} GB")

    phases: dict[str, list[Query]] = {}
    phases["as imported"] = run_queries(
        target.url, options.today, options.runs, files, "as imported"
    )
    autovacuum: dict[str, Any] = {}
    if not options.no_analyze:
        name = "VACUUM ANALYZE" if target.kind == "postgresql" else "ANALYZE"
        say(f"  {name}")
        seconds, autovacuum = analyze(target)
        steps.append(Step(name, None, seconds, None, "not run by the product"))
        say(f"    {seconds:.1f} s")
        phases[f"after {name}"] = run_queries(
            target.url, options.today, options.runs, files, f"after {name}"
        )
    load_after = os.getloadavg()
    return {
        "database": target.kind,
        "server": target.server,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "rows": rows,
        "database_bytes": database_bytes,
        "steps": [asdict(step) for step in steps],
        "queries": {phase: [asdict(q) for q in found] for phase, found in phases.items()},
        "autovacuum_before_analyze": autovacuum,
    }


# --------------------------------------------------------------------------- reporting


def machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text().split()
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024**2, 1),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def code_version() -> dict[str, Any]:
    """Which product code ran: the package folder (a snapshot via PYTHONPATH, or the tree)
    and, for the tree, its commit and whether product files had uncommitted changes."""
    import bot

    source = Path(bot.__file__).resolve().parents[1]

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(source), *args],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        return done.stdout.strip() if done.returncode == 0 else ""

    dirty = git("status", "--porcelain", "--", "bot", "insights", "storage", "surveys", "handlers")
    return {
        "source": str(source),
        "commit": git("rev-parse", "HEAD") or os.environ.get("SCALE_CODE_COMMIT", "unknown"),
        "uncommitted_product_changes": dirty.splitlines() if dirty else [],
    }


def _mb(value: float | None) -> str:
    if value is None:
        return ""
    mark = " **(over 500)**" if value > TARGET_MEMORY_MB else ""
    return f"{value:,.0f} MB{mark}"


def markdown(result: dict[str, Any], run: dict[str, Any]) -> str:
    m = run["machine"]
    counts = run["files"]["counts"]
    server = "" if result["database"] == "sqlite" else f", {result['server']}"
    lines = [
        f"# Scale run: {run['label']}, {result['database']}",
        "",
        f"`{run['command']}` on {result['started']} – {result['finished']} UTC.",
        f"Machine: {m['cpus']} cores ({m['cpu']}), {m['ram_gib']} GiB RAM, Python {m['python']},"
        f" SQLite {m['sqlite']}{server}. Load average (1/5/15 min) before "
        f"{'/'.join(map(str, result['load_before']))}, after "
        f"{'/'.join(map(str, result['load_after']))}.",
        f"Data: {counts['customers']:,} customers, {counts['events']:,} events, "
        f"{counts['responses']:,} survey responses ({counts['comments']:,} with a comment) "
        f"dated up to {run['files']['today']}; in the database "
        + ", ".join(f"{n:,} {table}" for table, n in result["rows"].items())
        + f"; {result['database_bytes'] / 1e9:.2f} GB.",
        f"Product code: {run['code']['source']} at commit {run['code']['commit'][:10]}"
        + (" with uncommitted changes." if run["code"]["uncommitted_product_changes"] else "."),
        "",
        "| step | rows | wall time | rows/s | peak RSS | output |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for step in result["steps"]:
        rows = f"{step['rows']:,}" if step["rows"] else ""
        rate = f"{step['rows'] / step['seconds']:,.0f}" if step["rows"] else ""
        note = step["note"].replace("|", "/")
        lines.append(
            f"| {step['name']} | {rows} | {step['seconds']:,.1f} s | {rate} | "
            f"{_mb(step['peak_mb'])} | {note} |"
        )
    for phase, queries in result["queries"].items():
        floor = next(q for q in queries if q["name"].startswith("floor"))
        week = floor["result"]["week"]
        lines += [
            "",
            f"Queries for week {week}, {phase} (each in its own process, {run['runs']} runs):",
            "",
            "| query | first | best | × floor (best) | peak RSS | target |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for q in queries:
            target = ""
            if q["target_s"] is not None:
                met = "met" if q["first"] < q["target_s"] else "**missed**"
                target = f"< {q['target_s']:g} s: {met}"
            ratio = q["best"] / floor["best"] if floor["best"] > 0 else float("nan")
            lines.append(
                f"| {q['name']} | {q['first']:.3f} s | {q['best']:.3f} s | {ratio:,.0f} | "
                f"{_mb(q['peak_mb'])} | {target} |"
            )
        digest = next(q for q in queries if q["name"].startswith("digest"))["result"]
        keys = ("customers_start", "lost_customers", "churn_rate", "nps_responses", "nps")
        agree = all(digest[k] == floor["result"][k] for k in keys)
        lines.append("")
        lines.append(
            "Week figures (digest / floor): "
            + ", ".join(f"{k} {digest[k]} / {floor['result'][k]}" for k in keys)
            + (" — the same." if agree else " — **they differ**.")
        )
    lines.append("")
    return "\n".join(lines)


def label_for(sizes: Sizes, small: bool) -> str:
    if sizes == FULL:
        return "full"
    if small:
        return "small"
    return f"{sizes.customers}c"


# --------------------------------------------------------------------------- main


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--customers", type=int)
    parser.add_argument("--answers", type=int, help="survey responses (CSV rows)")
    parser.add_argument("--events", type=int)
    parser.add_argument("--small", action="store_true", help="20,000 / 60,000 / 200,000")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--workdir", type=Path, help="where CSVs and the SQLite file go")
    parser.add_argument("--keep", action="store_true", help="keep CSVs, SQLite file, schema")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-analyze", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=date.fromisoformat, default=datetime.now(UTC).date())
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    if options.measure:
        report = measure(options.measure, options.url, options.today, options.runs)
        print(json.dumps(report, default=str))
        return 0
    base = SMALL if options.small else FULL
    sizes = Sizes(
        options.customers or base.customers,
        options.answers or base.answers,
        options.events or base.events,
    )
    label = label_for(sizes, options.small)
    RESULTS.mkdir(parents=True, exist_ok=True)
    ignore = RESULTS / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*.db\n*.db-wal\n*.db-shm\n*.csv\n")
    own_workdir = options.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="retention-scale-")) if own_workdir else options.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    say(f"scale run ({label}): {sizes}, workdir {workdir}")
    say(f"disk: {shutil.disk_usage(workdir).free / 1e9:.0f} GB free")

    manifest = write_files(workdir, sizes, options.seed, options.today)
    say(f"files: {manifest['counts']}, {sum(manifest['bytes'].values()) / 1e9:.2f} GB")
    run = {
        "label": label,
        "command": "python benchmarks/scale.py " + " ".join(argv or sys.argv[1:]),
        "machine": machine(),
        "code": code_version(),
        "files": manifest,
        "runs": options.runs,
    }
    kinds = ["sqlite", "postgresql"] if options.database == "both" else [options.database]
    try:
        for kind in kinds:
            target = (
                sqlite_target(workdir, options.keep)
                if kind == "sqlite"
                else postgres_target(options.postgres_url, options.keep)
            )
            try:
                result = run_database(target, workdir, manifest, options)
            finally:
                target.cleanup()
            stem = f"scale-{kind}" if label == "full" else f"scale-{kind}-{label}"
            document = markdown(result, run)
            (RESULTS / f"{stem}.json").write_text(
                json.dumps({**run, "result": result}, indent=2, default=str)
            )
            (RESULTS / f"{stem}.md").write_text(document)
            print("\n" + document, flush=True)
            say(f"wrote {RESULTS / stem}.md and .json")
    finally:
        if not options.keep:
            for name in ("customers.csv", "events.csv", "responses.csv", "manifest.json"):
                (workdir / name).unlink(missing_ok=True)
            if own_workdir:
                shutil.rmtree(workdir, ignore_errors=True)
        else:
            say(f"kept {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
