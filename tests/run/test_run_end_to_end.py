"""The whole assistant as one process, from a billing system's cancellation to the digest.

`retention-bot run` with every part configured (Telegram by webhook, Slack in HTTP mode,
the ingestion API, the scheduler) against the test Telegram and Slack servers: a
`subscription_cancelled` event posted to the API sends the exit interview at once; the
customer answers through the webhook; staff get the Slack alert; SIGTERM stops it all
cleanly; the next scheduled digest carries the cancellation and the customer's words.
"""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import tg_updates as tg
from fake_bot_api import FakeBotApi, keyboard_data
from run_process import (
    LINK_SECRET,
    RunProcess,
    api_headers,
    post_update,
    telegram_env,
)
from slack_fake_api import TOKEN as SLACK_TOKEN
from slack_fake_api import FakeSlackApi
from slack_requests import SECRET as SIGNING_SECRET
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.scheduler import next_digest_run, weekly_digest_job
from config import load_settings
from insights.digest import IsoWeek
from storage.models import Answer, Customer, SurveySession
from surveys.i18n import builtin_catalog
from surveys.linking import issue_token

T = builtin_catalog().text
ALERTS = "C0ALERTS01"
DIGEST = "C0DIGEST01"
STAFF = "U0ALLOWED1"
CHAT = 777001
COMMENT = "The price doubled this year and we are a team of two"


async def _alert_with(slack: FakeSlackApi, words: str, timeout: float = 15) -> str:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for message in list(slack.messages.values()):
            text = json.dumps(message, ensure_ascii=False)
            if message["channel"] == ALERTS and words in text:
                return text
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no alert with {words!r}: {slack.messages}")
        await asyncio.sleep(0.05)


def _env(api: FakeBotApi, slack: FakeSlackApi, database_url: str) -> dict[str, str]:
    return {
        **telegram_env(api, database_url),
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_API_URL": slack.base_url,
        "SLACK_MODE": "http",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_ALERTS_CHANNEL": ALERTS,
        "SLACK_DIGEST_CHANNEL": DIGEST,
        "SLACK_ALLOWED_USERS": STAFF,
    }


async def test_a_cancellation_from_the_api_reaches_the_exit_interview_the_alert_and_the_digest(
    api: FakeBotApi,
    slack_api: FakeSlackApi,
    database_url: str,
    engine: Engine,
    factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    env = _env(api, slack_api, database_url)
    run = RunProcess(env, tmp_path)
    lines = await run.start()
    try:
        assert [line.split(":")[0] for line in lines] == [
            "http", "slack", "telegram", "api", "scheduler",
        ]  # fmt: skip
        assert all(": started (" in line for line in lines), lines
        async with httpx.AsyncClient(base_url=run.url, timeout=10) as client:
            health = await client.get("/healthz")
            assert health.status_code == 200, health.text
            assert health.json()["components"] == {
                "http": "running", "slack": "running", "telegram": "running",
                "api": "running", "scheduler": "running",
            }  # fmt: skip

            # The CRM creates the customer; the customer links their chat with a /start link.
            customer = {"external_id": "cust-1", "name": "Acme", "language": "en",
                        "plan": "team", "mrr": "120.00", "signed_up_at": "2026-01-10"}  # fmt: skip
            created = await client.post("/api/customers", json=customer, headers=api_headers())
            assert created.status_code == 200, created.text
            with factory() as session:
                customer_id = session.scalar(
                    select(Customer.id).where(Customer.external_id == "cust-1")
                )
            assert customer_id is not None
            token = issue_token(LINK_SECRET, customer_id, datetime.now(UTC), timedelta(days=30))
            assert (
                await post_update(client, tg.command(CHAT, f"/start {token}"))
            ).status_code == 200
            await api.wait_sent(CHAT, 1)

            # Billing cancels: the exit interview goes out at once, not at the next daily run.
            cancelled = {"event_id": "bill-991", "external_id": "cust-1",
                         "type": "subscription_cancelled",
                         "occurred_at": datetime.now(UTC).isoformat()}  # fmt: skip
            stored = await client.post("/api/events", json=cancelled, headers=api_headers())
            assert stored.status_code == 200 and stored.json()["inserted"] == 1
            await api.wait_for(
                lambda: T("en", "exit.reason") in api.texts(CHAT), what="the exit interview"
            )
            again = await client.post("/api/events", json=[cancelled], headers=api_headers())
            assert again.json()["unchanged"] == 1  # a retried delivery changes nothing...

            question = api.last(CHAT)
            price = next(d for d in keyboard_data(question) if d.endswith(":reason:price"))
            with factory() as session:
                message_ref = session.scalar(select(SurveySession.message_ref))
            assert message_ref is not None
            message_id = int(message_ref)
            tap = tg.tap(CHAT, price, message_id)
            assert (await post_update(client, tap)).status_code == 200
            await api.wait_for(lambda: api.texts(CHAT)[-1] == T("en", "exit.comment"))
            assert (await post_update(client, tg.text(CHAT, COMMENT))).status_code == 200
            await api.wait_for(lambda: api.texts(CHAT)[-1] == T("en", "exit.thanks"))

            # Staff hear of it in Slack, with the reason and the customer's words.
            # One alert, updated in place as the comment arrives.
            alert = await _alert_with(slack_api, COMMENT)
            assert "Exit interview: Acme (MRR 120.00)" in alert and "Price" in alert
            assert len([m for m in slack_api.messages.values() if m["channel"] == ALERTS]) == 1
    finally:
        code, out, err = await run.stop(signal.SIGTERM)
        await run.kill()
    assert code == 0, err
    assert out.splitlines()[0] == "http: stopped"  # no request is taken once stopping starts
    assert T("en", "exit.reason") in api.texts(CHAT)
    assert api.texts(CHAT).count(T("en", "exit.reason")) == 1  # ...and asks only once

    with factory() as session:
        exits = session.scalars(select(SurveySession).where(SurveySession.survey == "exit"))
        assert [s.status for s in exits] == ["completed"]
        answers = {a.question: a for a in session.scalars(select(Answer))}
    assert answers["reason"].choice == "price"
    assert answers["comment"].text == COMMENT

    # The next scheduled digest (the job `run` schedules, at its next firing) has it.
    settings = load_settings(**{k.lower(): v for k, v in env.items()})
    now = datetime.now(UTC)
    fire = next_digest_run(settings, now)
    assert fire is not None
    while now >= IsoWeek.last_full(fire, settings.tz).period(settings.tz).end:
        fire = next_digest_run(settings, fire)
        assert fire is not None
    await weekly_digest_job(settings, now=fire)
    digests = [m for m in slack_api.messages.values() if m["channel"] == DIGEST]
    assert len(digests) == 1
    digest = json.dumps(digests[0], ensure_ascii=False)
    assert "churn 100.0% (1 lost)" in digest  # the cancellation counts as churn
    assert "Price" in digest and COMMENT in digest  # the reason, quoted in their words
