"""Measure how many surveys per second `survey send --due` sustains without a single 429.

Run from the repository root:

    .venv/bin/python benchmarks/survey_dispatch.py [--customers 900] [--database-url URL]

Creates N linked customers in a fresh database (a temporary SQLite file unless
--database-url names an empty PostgreSQL database), starts the test Bot API server of
`tests/fakes/fake_bot_api.py` on 127.0.0.1 with Telegram's flood limit enforced (more
than 30 messages in any rolling second is answered 429 with retry_after), and runs the
product's own `send_due` (python-telegram-bot with its AIORateLimiter, the real
claim -> send -> record path) once. Reports the sustained rate (messages after the first,
over the time they took), the end-to-end rate including start-up, and the 429 count.
Exits 1 if any 429 was answered or the sustained rate is under 28/s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fakes"))  # the test Bot API server lives there

from fake_bot_api import TOKEN, FakeBotApi  # noqa: E402

from bot.telegram_app import send_due  # noqa: E402
from config import load_settings  # noqa: E402
from storage import schema  # noqa: E402
from storage.database import make_engine, session_factory  # noqa: E402
from storage.models import Customer, CustomerChannel  # noqa: E402

TARGET = 28.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=900)
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        schema.upgrade(engine)
        factory = session_factory(engine)
        now = datetime.now(UTC)
        with factory() as session, session.begin():
            rows = [
                Customer(
                    external_id=f"bench{n}",
                    signed_up_at=now,
                    created_at=now,
                    updated_at=now,
                    language=("en", "ru", "uk", "da", "zh")[n % 5],
                )
                for n in range(args.customers)
            ]
            session.add_all(rows)
            session.flush()
            session.add_all(
                CustomerChannel(customer_id=row.id, channel="telegram", address=str(10_000 + n))
                for n, row in enumerate(rows)
            )
        api = FakeBotApi(rate_limit=30).start()
        try:
            settings = load_settings(
                database_url=url, telegram_bot_token=TOKEN, telegram_api_base_url=api.base_url
            )
            started = time.monotonic()
            report = asyncio.run(send_due(settings, factory))
            elapsed = time.monotonic() - started
        finally:
            api.stop()
            engine.dispose()

    sends = sorted(c.at for c in api.calls if c.method == "sendMessage" and c.status == 200)
    span = sends[-1] - sends[0] if len(sends) > 1 else float("nan")
    sustained = (len(sends) - 1) / span if len(sends) > 1 else 0.0
    busiest = max(sum(1 for t in sends if s <= t < s + 1) for s in sends) if sends else 0
    print(f"database:          {url.split(':')[0]}")
    print(f"surveys sent:      {report.total_sent} of {args.customers}")
    print(f"429 answers:       {api.rate_limited}")
    print(f"busiest second:    {busiest} messages")
    print(f"sustained rate:    {sustained:.1f} surveys/s (first to last message)")
    print(f"end to end:        {report.total_sent / elapsed:.1f} surveys/s ({elapsed:.1f} s)")
    ok = api.rate_limited == 0 and sustained >= TARGET and report.total_sent == args.customers
    print("result:            " + ("OK" if ok else f"FAIL (target >= {TARGET}/s, zero 429s)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
