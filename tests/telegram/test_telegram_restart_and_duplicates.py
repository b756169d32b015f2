"""State lives in the database: restarts, duplicate deliveries and double taps change nothing.

Telegram delivers at least once and customers tap twice; a bot process may stop between two
answers. None of that may lose an answer, ask a question twice or store two answers.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import tg_updates as tg
from bot_harness import Harness, answers_of, make_customer, sessions_of
from fake_bot_api import FakeBotApi
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.telegram_app import send_now
from config import Settings
from storage.database import make_engine, session_factory
from storage.models import Answer
from surveys.channels import Address
from surveys.conversation import Result, apply_input
from surveys.definitions import builtin_surveys
from surveys.engine import Tap
from surveys.i18n import builtin_catalog

T = builtin_catalog().text


async def test_restart_mid_survey_continues_at_the_same_question(
    harness: Harness, api: FakeBotApi, settings: Settings, factory: sessionmaker[Session]
) -> None:
    chat = 6001
    who = make_customer(factory, "r1", "en")
    await harness.link(chat, who)
    sent = await send_now(settings, factory, "nps", "r1")
    await harness.send(tg.tap(chat, f"a:{sent.session_id}:score:6", int(sent.message_ref)))
    asked = len(api.sent(chat))

    await harness.restart()  # a new Application: no memory of the conversation
    assert sessions_of(factory, who)[0].current_step == "comment"
    await harness.send(tg.text(chat, "Onboarding was confusing"))

    assert api.texts(chat)[asked:] == [T("en", "nps.thanks")]
    given = answers_of(factory, who)
    assert (given["score"].score, given["comment"].text) == (6, "Onboarding was confusing")
    assert sessions_of(factory, who)[0].status == "completed"


async def test_the_same_update_delivered_twice_is_handled_once(
    harness: Harness, api: FakeBotApi, settings: Settings, factory: sessionmaker[Session]
) -> None:
    chat = 6002
    who = make_customer(factory, "r2", "en")
    await harness.link(chat, who)
    sent = await send_now(settings, factory, "nps", "r2")
    before = len(api.sent(chat))

    tap = tg.tap(chat, f"a:{sent.session_id}:score:10", int(sent.message_ref))
    await harness.send(tap, tap)  # same update_id twice in one getUpdates batch
    assert api.texts(chat)[before:] == [T("en", "nps.comment")]

    comment = tg.text(chat, "Love it")
    await harness.send(comment)
    await harness.send(comment)  # redelivered later (webhook retry, poller restart)
    assert api.texts(chat)[before:] == [T("en", "nps.comment"), T("en", "nps.thanks")]
    given = answers_of(factory, who)
    assert given["score"].score == 10 and given["comment"].text == "Love it"
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Answer)) == 2


async def test_double_tap_stores_the_first_answer_only(
    harness: Harness, api: FakeBotApi, settings: Settings, factory: sessionmaker[Session]
) -> None:
    chat = 6003
    who = make_customer(factory, "r3", "en")
    await harness.link(chat, who)
    sent = await send_now(settings, factory, "nps", "r3")
    before = len(api.sent(chat))

    # Two different updates (two taps), the second on a button the first made stale.
    await harness.send(
        tg.tap(chat, f"a:{sent.session_id}:score:3", int(sent.message_ref)),
        tg.tap(chat, f"a:{sent.session_id}:score:4", int(sent.message_ref)),
    )
    assert api.texts(chat)[before:] == [T("en", "nps.comment")]
    notices = harness.notices()
    assert notices[-2:] == [None, T("en", "survey.answered")]
    assert answers_of(factory, who)["score"].score == 3


async def test_two_processes_answering_at_once_store_one_answer(
    harness: Harness, settings: Settings, factory: sessionmaker[Session], database_url: str
) -> None:
    """Two bot processes (two engines, two connection pools) get the same tap at once."""
    chat = 6004
    who = make_customer(factory, "r4", "en")
    await harness.link(chat, who)
    sent = await send_now(settings, factory, "nps", "r4")
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        factories = [session_factory(engine) for engine in engines]
        surveys = dict(builtin_surveys())
        now = datetime.now(UTC)

        def apply(factory_: sessionmaker[Session], score: int) -> Result:
            return apply_input(
                factory_,
                surveys,
                Address("telegram", str(chat)),
                Tap(str(score)),
                now,
                lambda _language: lambda _reason: False,
                session_id=sent.session_id,
                step_key="score",
            ).result

        results = await asyncio.gather(
            *(
                asyncio.to_thread(apply, f, score)
                for f, score in zip(factories, (7, 8), strict=True)
            )
        )
    finally:
        for engine in engines:
            engine.dispose()
    assert sorted(results) == sorted([Result.ADVANCED, Result.REJECTED])
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Answer)) == 1
    assert sessions_of(factory, who)[0].current_step == "comment"
