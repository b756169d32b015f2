"""Run every benchmark, one after the other, and print one table of what each reported.

    python benchmarks/run_all.py            # the sizes the targets name (about 1.5-2 hours)
    python benchmarks/run_all.py --quick    # small sizes, minutes: checks they all still run
    python benchmarks/run_all.py --only scale,conversations

Each benchmark is its own script (see docs/benchmarks.md) and runs in its own process, so
one's memory and caches do not flatter the next; they run in sequence because they time
the machine and the machine has few cores. Every script's full output goes to
benchmarks/results/<name>.log; the table at the end gives each one's exit status (1 means
a target was missed, as the script decides), wall time, and its last summary lines. The
numbers recorded in docs/benchmarks.md come from these logs.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


@dataclass(frozen=True)
class Benchmark:
    name: str
    script: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    what: str


BENCHMARKS = (
    Benchmark(
        "scale",
        "scale.py",
        (),
        ("--small",),
        "1M customers / 3M answers / 10M events, SQLite and PostgreSQL",
    ),
    Benchmark(
        "import",
        "import_events.py",
        (),
        ("--events", "50000", "--customers", "1000"),
        "1M events through the CLI import, SQLite",
    ),
    Benchmark(
        "digest",
        "digest_scale.py",
        (),
        ("--customers", "20000", "--runs", "1"),
        "digest and at-risk list, 1M customers, SQLite",
    ),
    Benchmark(
        "dispatch",
        "survey_dispatch.py",
        ("--customers", "5000"),
        ("--customers", "300"),
        "survey sends to a test Bot API on loopback",
    ),
    Benchmark(
        "conversations",
        "conversations.py",
        (),
        ("--customers", "50"),
        "200 customers answering at once through the webhook",
    ),
    Benchmark(
        "tagging",
        "tagging_eval.py",
        (),
        ("--quick",),
        "tagging accuracy and throughput",
    ),
    Benchmark(
        "risk",
        "risk_eval.py",
        (),
        ("--customers", "20000"),
        "risk score vs logistic regression",
    ),
)


def _machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    memory = ""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages * size / 2**30:.0f} GiB"
    except (ValueError, OSError):
        pass
    return (
        f"{platform.node()}: {os.cpu_count()} cores{memory}, Python "
        f"{platform.python_version()}, load {load}"
    )


def _tail(text: str, lines: int = 3) -> str:
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return " / ".join(kept[-lines:])[:300]


def run(benchmark: Benchmark, quick: bool) -> tuple[int, float, str]:
    args = benchmark.quick if quick else benchmark.full
    command = [sys.executable, str(HERE / benchmark.script), *args]
    log = RESULTS / f"{benchmark.name}{'-quick' if quick else ''}.log"
    print(f"== {benchmark.name}: {' '.join(command[1:])}  (log: {log})", flush=True)
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        out.write(f"# {' '.join(command)}\n# {_machine()}\n")
        out.flush()
        process = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
        )
        out.write(process.stdout)
    took = time.monotonic() - started
    return process.returncode, took, _tail(process.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument(
        "--only", help=f"comma-separated subset of: {', '.join(b.name for b in BENCHMARKS)}"
    )
    args = parser.parse_args(argv)
    chosen = list(BENCHMARKS)
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        unknown = wanted - {b.name for b in BENCHMARKS}
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
        chosen = [b for b in BENCHMARKS if b.name in wanted]
    RESULTS.mkdir(exist_ok=True)
    print(_machine(), flush=True)
    rows = []
    for benchmark in chosen:
        code, took, tail = run(benchmark, args.quick)
        rows.append((benchmark, code, took, tail))
    print()
    print(f"Machine: {_machine()}")
    print()
    print("| benchmark | what | exit | wall time | last lines |")
    print("|---|---|---|---|---|")
    for benchmark, code, took, tail in rows:
        status = {0: "0 (targets met)", 1: "1 (a target missed)"}.get(code, f"{code} (error)")
        print(f"| {benchmark.name} | {benchmark.what} | {status} | {took:.0f} s | {tail} |")
    return 0 if all(code in (0, 1) for _, code, _, _ in rows) else 2


if __name__ == "__main__":
    sys.exit(main())
