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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import tg_updates as tg
from fake_bot_api import FakeBotApi
from run_process import LINK_SECRET, RunProcess, api_headers, post_update, telegram_env
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Answer, Customer, SurveySession
from surveys.linking import issue_token

CUSTOMERS = 150
KILL_AFTER = 40  # acknowledged taps before the kill: the rest are in flight
FIRST_CHAT = 770_000


async def _customers_with_exit_interviews(
    client: httpx.AsyncClient, api: FakeBotApi, factory: sessionmaker[Session]
) -> dict[int, int]:
    """Link CUSTOMERS chats and send each an exit interview; chat -> its survey session."""
    people = [
        {"external_id": f"k-{n}", "language": "en", "signed_up_at": "2026-01-01"}
        for n in range(CUSTOMERS)
    ]
    created = await client.post("/api/customers", json=people, headers=api_headers())
    assert created.json()["inserted"] == CUSTOMERS
    with factory() as session:
        ids = dict(session.execute(select(Customer.external_id, Customer.id)).all())
    now = datetime.now(UTC)
    chats = {FIRST_CHAT + n: ids[f"k-{n}"] for n in range(CUSTOMERS)}
    for chat, customer in chats.items():
        token = issue_token(LINK_SECRET, customer, now, timedelta(days=1))
        assert (await post_update(client, tg.command(chat, f"/start {token}"))).status_code == 200
    await api.wait_for(lambda: all(api.sent(c) for c in chats), timeout=60, what="every link")
    cancellations = [
        {"event_id": f"kx-{n}", "external_id": f"k-{n}",
         "type": "subscription_cancelled", "occurred_at": now.isoformat()}
        for n in range(CUSTOMERS)
    ]  # fmt: skip
    assert (
        await client.post("/api/events", json=cancellations, headers=api_headers())
    ).status_code == 200
    await api.wait_for(
        lambda: all(len(api.sent(c)) >= 2 for c in chats), timeout=60, what="exit interviews"
    )
    with factory() as session:
        surveys = dict(
            session.execute(
                select(SurveySession.customer_id, SurveySession.id).where(
                    SurveySession.survey == "exit"
                )
            ).all()
        )
    return {chat: surveys[customer] for chat, customer in chats.items()}


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
            sessions = await _customers_with_exit_interviews(client, api, factory)
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
