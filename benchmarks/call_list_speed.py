"""The call list alone (top 10, with its "new to the list" marks) on a big company's file.

    python benchmarks/call_list_speed.py --database PATH [--runs 3]

`insights.call_list.call_list(limit=10)` as of the end of `digest_scale.py`'s week, on a
file that benchmark generated, warm. Reports wall and CPU time (SQLite runs in-process,
so CPU time is the whole cost and moves less than wall time on a shared machine). To
compare with another commit, export it and put it first on PYTHONPATH:

    git archive COMMIT | tar -x -C /tmp/base
    PYTHONPATH=/tmp/base python benchmarks/call_list_speed.py --database PATH
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from insights.call_list import call_list
from insights.digest import IsoWeek
from insights.risk import default_weights
from storage.database import make_engine, session_factory

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)  # as in digest_scale.py
TZ = ZoneInfo("Europe/Copenhagen")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a digest_scale.py SQLite file")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    factory = session_factory(make_engine(f"sqlite:///{args.database}"))
    as_of = IsoWeek.last_full(NOW, TZ).end(TZ)
    weights = default_weights()
    walls, cpus, new = [], [], 0
    with factory() as session:
        for _ in range(args.runs):
            wall, cpu = time.perf_counter(), time.process_time()
            rows = call_list(session, as_of, weights, limit=10)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            new = sum(bool(row.new_to_list) for row in rows)
    print(f"call list top 10 as of {as_of:%Y-%m-%d %H:%M} UTC ({new} new), {args.runs} runs:")
    print("  wall " + " ".join(f"{t:.2f}" for t in walls) + f" s, best {min(walls):.2f} s")
    print("  CPU  " + " ".join(f"{t:.2f}" for t in cpus) + f" s, best {min(cpus):.2f} s")


if __name__ == "__main__":
    main()
