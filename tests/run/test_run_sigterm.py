"""SIGTERM while customers are answering: every answer Telegram handed over is stored.

The webhook answers 200 as soon as an update is queued, so Telegram will not send it
again: from then on it is ours to keep. Here 20 customers tap their exit reason at once
and the process is told to stop the moment the last tap was accepted; after a clean exit
(0) every one of the 20 answers is in the database.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import tg_updates as tg
from fake_bot_api import FakeBotApi
from run_process import LINK_SECRET, RunProcess, api_headers, post_update, telegram_env
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Answer, Customer, SurveySession
from surveys.linking import issue_token

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
            people = [
                {"external_id": f"s-{n}", "language": "en", "signed_up_at": "2026-01-01"}
                for n in range(CUSTOMERS)
            ]
            created = await client.post("/api/customers", json=people, headers=api_headers())
            assert created.json()["inserted"] == CUSTOMERS
            with factory() as session:
                ids = dict(session.execute(select(Customer.external_id, Customer.id)).all())
            now = datetime.now(UTC)
            for n, chat in enumerate(chats):
                token = issue_token(LINK_SECRET, ids[f"s-{n}"], now, timedelta(days=1))
                await post_update(client, tg.command(chat, f"/start {token}"))
            await api.wait_for(
                lambda: all(api.sent(chat) for chat in chats), timeout=30, what="every link"
            )
            cancellations = [
                {"event_id": f"x-{n}", "external_id": f"s-{n}",
                 "type": "subscription_cancelled", "occurred_at": now.isoformat()}
                for n in range(CUSTOMERS)
            ]  # fmt: skip
            sent = await client.post("/api/events", json=cancellations, headers=api_headers())
            assert sent.status_code == 200
            await api.wait_for(
                lambda: all(len(api.sent(chat)) >= 2 for chat in chats),
                timeout=30,
                what="every exit interview",
            )
            with factory() as session:
                surveys = dict(
                    session.execute(
                        select(SurveySession.customer_id, SurveySession.id).where(
                            SurveySession.survey == "exit"
                        )
                    ).all()
                )
            taps = [
                tg.tap(chat, f"a:{surveys[ids[f's-{n}']]}:reason:competitor")
                for n, chat in enumerate(chats)
            ]
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
