"""Import speed: N events (default 1,000,000) into a fresh database through the real CLI.

    python benchmarks/import_events.py [--events 1000000] [--customers 10000]
                                       [--database-url sqlite:///...]

Writes the CSV files to a temporary folder, then times `retention-bot import customers` and
`retention-bot import events` as a user would run them (subprocesses, so start-up counts),
and a re-import of the same events (the idempotent path). Peak memory is the child's max RSS.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

TYPES = [
    ("activity", 70),
    ("purchase", 8),
    ("payment_succeeded", 14),
    ("payment_failed", 2),
    ("support_ticket_closed", 4),
    ("subscription_cancelled", 1),
    ("subscription_started", 1),
]


def write_files(folder: Path, customers: int, events: int) -> tuple[Path, Path]:
    rng = random.Random(1)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    customers_csv = folder / "customers.csv"
    with customers_csv.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(
            ["external_id", "name", "email", "language", "timezone", "plan", "mrr", "signed_up_at"]
        )
        for n in range(customers):
            out.writerow(
                [
                    f"C{n}",
                    f"Customer {n}",
                    f"c{n}@example.com",
                    "en",
                    "",
                    "team",
                    "49.00",
                    (start + timedelta(days=n % 300)).date().isoformat(),
                ]
            )
    events_csv = folder / "events.csv"
    names = [name for name, _ in TYPES]
    weights = [weight for _, weight in TYPES]
    with events_csv.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["event_id", "external_id", "type", "occurred_at", "amount"])
        kinds = rng.choices(names, weights=weights, k=events)
        for n in range(events):
            at = start + timedelta(seconds=rng.randrange(0, 365 * 86_400))
            amount = "49.00" if kinds[n].startswith("payment") else ""
            out.writerow(
                [
                    f"E{n}",
                    f"C{rng.randrange(customers)}",
                    kinds[n],
                    at.isoformat(timespec="seconds"),
                    amount,
                ]
            )
    return customers_csv, events_csv


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    options = parser.parse_args()
    cli = str(Path(sys.executable).with_name("retention-bot"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = options.database_url or f"sqlite:///{folder / 'bench.db'}"
        env = {**os.environ, "DATABASE_URL": url}
        began = time.perf_counter()
        customers_csv, events_csv = write_files(folder, options.customers, options.events)
        print(f"wrote {options.events:,} events in {time.perf_counter() - began:.1f} s")
        timed([cli, "db", "upgrade"], env)
        rows = []
        for label, path in (
            ("customers", customers_csv),
            ("events", events_csv),
            ("events again (idempotent)", events_csv),
        ):
            kind = label.split()[0]
            seconds, summary = timed([cli, "import", kind, str(path)], env)
            rows.append((label, seconds, summary))
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"\ndatabase: {url.split('://')[0]}, {options.customers:,} customers, "
            f"{options.events:,} events, {os.cpu_count()} cores, Python {sys.version.split()[0]}"
        )
        print(f"{'import':<28}{'seconds':>10}{'rows/s':>12}  result")
        for label, seconds, summary in rows:
            count = options.customers if label == "customers" else options.events
            print(f"{label:<28}{seconds:>10.1f}{count / seconds:>12,.0f}  {summary}")
        print(f"peak memory of any import process: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
