"""SIGTERM while customers are answering: every answer Telegram handed over is stored.

The webhook answers 200 as soon as an update is queued, so Telegram will not send it
again: from then on it is ours to keep. Here 20 customers tap their exit reason at once
and the process is told to stop the moment the last tap was accepted; after a clean exit
(0) every one of the 20 answers is in the database.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx
import tg_updates as tg
from fake_bot_api import FakeBotApi
from run_process import RunProcess, customers_with_exit_interviews, post_update, telegram_env
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Answer

CUSTOMERS = 20
FIRST_CHAT = 880_000


async def test_sigterm_during_answers_loses_none(
    api: FakeBotApi,
    database_url: str,
    engine: Engine,
    factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    api.rate_limit = None  # pacing is not under test here
    run = RunProcess(telegram_env(api, database_url), tmp_path)
    lines = await run.start()
    assert lines[0].startswith("http: started")
    chats = [FIRST_CHAT + n for n in range(CUSTOMERS)]
    try:
        async with httpx.AsyncClient(base_url=run.url, timeout=20) as client:
            sessions = await customers_with_exit_interviews(
                client, api, factory, FIRST_CHAT, CUSTOMERS, prefix="s", timeout=30
            )
            taps = [tg.tap(chat, f"a:{sessions[chat]}:reason:competitor") for chat in chats]
            accepted = await asyncio.gather(*(post_update(client, tap) for tap in taps))
            assert [r.status_code for r in accepted] == [200] * CUSTOMERS
    finally:
        code, out, err = await run.stop(signal.SIGTERM)  # at once: most taps still queued
        await run.kill()
    assert code == 0, err
    with factory() as session:
        stored = session.scalar(
            select(func.count())
            .select_from(Answer)
            .where(Answer.question == "reason", Answer.choice == "competitor")
        )
    assert stored == CUSTOMERS
    assert out.splitlines() == [
        "http: stopped", "scheduler: stopped", "api: stopped", "telegram: stopped",
    ]  # fmt: skip
