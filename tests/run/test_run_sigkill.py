"""kill -9 while customers are answering: every tap the webhook acknowledged is stored, once.

Telegram never resends an update it got a 200 for. Here 150 customers tap their exit
reason at once through the webhook; the process is killed with SIGKILL (no shutdown, no
drain) while the burst is still being acknowledged. After a restart, every tap that got a
200 is a stored answer, exactly once. Taps cut off before their answer are not ours yet:
Telegram would send them again (some may already be stored, which is fine: still once).
Before the inbox, 40 of 40 acknowledged taps were lost this way.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

import httpx
import tg_updates as tg
from fake_bot_api import FakeBotApi
from run_process import RunProcess, customers_with_exit_interviews, post_update, telegram_env
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Answer

CUSTOMERS = 150
KILL_AFTER = 40  # acknowledged taps before the kill: the rest are in flight
FIRST_CHAT = 770_000


async def test_sigkill_during_a_burst_loses_no_acknowledged_tap(
    api: FakeBotApi,
    database_url: str,
    factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    api.rate_limit = None  # pacing is not under test here
    env = telegram_env(api, database_url)
    run = RunProcess(env, tmp_path)
    await run.start()
    acknowledged: list[int] = []
    try:
        async with httpx.AsyncClient(base_url=run.url, timeout=30) as client:
            sessions = await customers_with_exit_interviews(
                client, api, factory, FIRST_CHAT, CUSTOMERS, prefix="k", timeout=60
            )
            killed = asyncio.Event()

            async def tap(chat: int) -> None:
                data = f"a:{sessions[chat]}:reason:competitor"
                with contextlib.suppress(httpx.HTTPError):
                    response = await post_update(client, tg.tap(chat, data))
                    if response.status_code == 200 and not killed.is_set():
                        acknowledged.append(chat)
                        if len(acknowledged) >= KILL_AFTER:
                            await run.kill()  # SIGKILL: no shutdown, nothing drained
                            killed.set()

            await asyncio.gather(*(tap(chat) for chat in sessions))
    finally:
        await run.kill()
    assert len(acknowledged) >= KILL_AFTER

    restarted = RunProcess({**env, "HTTP_PORT": "0"}, tmp_path)
    await restarted.start()
    try:
        session_ids = [sessions[c] for c in acknowledged]

        def stored() -> list[int]:
            with factory() as session:
                return list(
                    session.scalars(
                        select(Answer.session_id).where(
                            Answer.question == "reason", Answer.session_id.in_(session_ids)
                        )
                    )
                )

        await api.wait_for(
            lambda: len(set(stored())) == len(session_ids), timeout=60, what="stored taps"
        )
    finally:
        code, _, err = await restarted.stop(signal.SIGTERM)
        await restarted.kill()
    assert code == 0, err
    answers = stored()
    assert sorted(answers) == sorted(session_ids)  # every acknowledged tap, each once
