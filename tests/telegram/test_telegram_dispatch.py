"""`send_due` through python-telegram-bot against the fake Bot API: who gets what, reminders,
expiry, flood control (429 + retry_after), blocked users (403), and two senders racing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import tg_updates as tg
from bot_harness import Harness, make_customer, sessions_of
from fake_bot_api import FakeBotApi, keyboard_data
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.telegram_app import (
    BotApplication,
    build_application,
    build_dispatcher,
    connected,
    send_due,
    send_now,
)
from builders import binding, event, link
from config import Settings
from storage.database import make_engine, session_factory
from storage.models import Customer, CustomerChannel, SurveySession
from surveys.dispatch import Dispatcher
from surveys.errors import NotDelivered
from surveys.i18n import builtin_catalog

T = builtin_catalog().text
NOW = datetime.now(UTC).replace(microsecond=0)


def linked(
    factory: sessionmaker[Session], name: str, chat: int, unreachable: bool = False, **fields: Any
) -> int:
    who = make_customer(factory, name, "en")
    with factory() as session, session.begin():
        link(session, who, chat, user=chat, linked_at=NOW, reachable=not unreachable)
        if fields:
            session.execute(update(Customer).where(Customer.id == who).values(**fields))
    return who


def reachable(factory: sessionmaker[Session], who: int) -> bool:
    row = binding(factory, who)
    assert row is not None
    return row.reachable


def past_survey(
    factory: sessionmaker[Session], who: int, kind: str, sent: datetime | None, done: datetime
) -> None:
    with factory() as session, session.begin():
        session.add(
            SurveySession(
                customer_id=who,
                survey=kind,
                status="completed",
                channel="telegram" if sent else "import",
                sent_at=sent,
                completed_at=done,
                created_at=done,
                updated_at=done,
            )
        )


def happened(factory: sessionmaker[Session], who: int, kind: str, when: datetime) -> int:
    with factory() as session, session.begin():
        return event(session, session.get_one(Customer, who), kind, when).id


@pytest.fixture
async def application(settings: Settings) -> AsyncIterator[BotApplication]:
    app = build_application(settings)
    async with connected(app, settings):
        yield app


@pytest.fixture
def dispatcher(
    settings: Settings, factory: sessionmaker[Session], application: BotApplication
) -> Callable[[datetime], Dispatcher]:
    def at(now: datetime) -> Dispatcher:
        found = build_dispatcher(settings, factory, application)
        found.clock = lambda: now
        return found

    return at


async def test_due_picks_the_right_survey_for_each_customer(
    api: FakeBotApi, factory: sessionmaker[Session], dispatcher: Callable[[datetime], Dispatcher]
) -> None:
    fresh = linked(factory, "fresh", 101)
    linked(factory, "opted_out", 102, opted_out=True)
    make_customer(factory, "unlinked")
    linked(factory, "blocked", 104, unreachable=True)
    recent = linked(factory, "recent", 105)
    past_survey(factory, recent, "nps", NOW - timedelta(days=3), NOW - timedelta(days=3))
    imported = linked(factory, "imported", 106)
    past_survey(factory, imported, "nps", None, NOW - timedelta(days=30))  # CSV import
    linked(factory, "churned", 107, status="churned")
    helped = linked(factory, "helped", 108)
    ticket = happened(factory, helped, "support_ticket_closed", NOW - timedelta(days=1))
    leaving = linked(factory, "leaving", 109)
    past_survey(factory, leaving, "nps", NOW - timedelta(days=3), NOW - timedelta(days=3))
    cancel = happened(factory, leaving, "subscription_cancelled", NOW - timedelta(hours=2))
    old_ticket = linked(factory, "old_ticket", 110)
    happened(factory, old_ticket, "support_ticket_closed", NOW - timedelta(days=20))

    report = await dispatcher(NOW).send_due()

    assert dict(report.sent) == {"nps": 2, "csat": 1, "exit": 1}
    assert report.unreachable == report.deferred == report.skipped == 0
    assert sorted(p["chat_id"] for p in api.sent()) == [101, 108, 109, 110]
    assert api.texts(101) == [T("en", "nps.score")]
    assert api.texts(108) == [T("en", "csat.score")]
    assert api.texts(109) == [T("en", "exit.reason")]
    assert sessions_of(factory, helped)[0].trigger_event_id == ticket
    assert sessions_of(factory, leaving)[-1].trigger_event_id == cancel
    assert sessions_of(factory, fresh)[0].status == "sent"

    again = await dispatcher(NOW + timedelta(minutes=5)).send_due()
    assert again.total_sent == 0 and len(api.sent()) == 4


async def test_one_reminder_then_expiry(
    api: FakeBotApi,
    factory: sessionmaker[Session],
    dispatcher: Callable[[datetime], Dispatcher],
    harness: Harness,
) -> None:
    who = linked(factory, "slow", 201)
    t0 = NOW - timedelta(days=9)
    sent = await dispatcher(t0).send_now("nps", "slow")
    assert (await dispatcher(t0 + timedelta(hours=47)).send_due()).reminded == 0
    assert (await dispatcher(t0 + timedelta(hours=49)).send_due()).reminded == 1
    reminder = api.last(201)
    assert reminder["text"] == T("en", "survey.reminder") + "\n\n" + T("en", "nps.score")
    assert keyboard_data(reminder)[0] == f"a:{sent.session_id}:score:0"
    assert (await dispatcher(t0 + timedelta(hours=60)).send_due()).reminded == 0

    late = await dispatcher(t0 + timedelta(days=7, minutes=1)).send_due()
    assert late.expired == 1 and late.total_sent == 0
    assert sessions_of(factory, who)[0].status == "expired"
    await harness.send(tg.tap(201, f"a:{sent.session_id}:score:9", int(sent.message_ref)))
    assert harness.notices()[-1] == T("en", "survey.closed")
    assert sessions_of(factory, who)[0].status == "expired"


async def test_exit_interview_replaces_an_open_survey(
    api: FakeBotApi, factory: sessionmaker[Session], dispatcher: Callable[[datetime], Dispatcher]
) -> None:
    who = linked(factory, "quitter", 301)
    await dispatcher(NOW - timedelta(days=1)).send_now("nps", "quitter")
    happened(factory, who, "subscription_cancelled", NOW - timedelta(hours=1))
    report = await dispatcher(NOW).send_due()
    assert dict(report.sent) == {"exit": 1}
    assert [(s.survey, s.status) for s in sessions_of(factory, who)] == [
        ("nps", "cancelled"),
        ("exit", "sent"),
    ]


async def test_retry_after_is_honoured(
    api: FakeBotApi, settings: Settings, factory: sessionmaker[Session]
) -> None:
    linked(factory, "patient", 401)
    api.fail_next("sendMessage", status=429, retry_after=1)
    started = time.monotonic()
    await send_now(settings, factory, "nps", "patient")
    assert time.monotonic() - started >= 1.0
    statuses = [c.status for c in api.calls if c.method == "sendMessage"]
    assert statuses == [429, 200]
    assert api.texts(401) == [T("en", "nps.score")]


async def test_blocked_customers_are_marked_unreachable(
    api: FakeBotApi,
    settings: Settings,
    factory: sessionmaker[Session],
    dispatcher: Callable[[datetime], Dispatcher],
) -> None:
    gone = linked(factory, "gone", 501)
    stays = linked(factory, "stays", 502)
    api.block(501)
    with pytest.raises(NotDelivered, match="blocked the bot"):
        await send_now(settings, factory, "csat", "gone")
    assert not reachable(factory, gone)
    assert sessions_of(factory, gone)[0].status == "cancelled"

    with factory() as session, session.begin():  # they come back; then block us again
        session.execute(
            update(CustomerChannel)
            .where(CustomerChannel.customer_id == gone)
            .values(reachable=True, unreachable_at=None)
        )
        session.execute(update(SurveySession).values(sent_at=None, completed_at=None))
    report = await dispatcher(NOW).send_due()
    assert report.unreachable == 1 and dict(report.sent) == {"nps": 1}
    assert not reachable(factory, gone) and reachable(factory, stays)
    attempts = len([c for c in api.calls if c.method == "sendMessage"])
    await dispatcher(NOW + timedelta(days=1)).send_due()
    assert len([c for c in api.calls if c.method == "sendMessage"]) == attempts


async def test_two_senders_racing_send_each_survey_once(
    api: FakeBotApi, settings: Settings, factory: sessionmaker[Session], database_url: str
) -> None:
    customers = [linked(factory, f"race{n}", 600 + n) for n in range(12)]
    engines = [make_engine(database_url) for _ in range(2)]
    try:

        async def one_process(index: int) -> Any:
            app = build_application(settings)
            async with connected(app, settings):
                found = build_dispatcher(settings, session_factory(engines[index]), app)
                found.clock = lambda: NOW
                return await found.send_due()

        reports = await asyncio.gather(one_process(0), one_process(1))
    finally:
        for engine in engines:
            engine.dispose()
    assert sum(r.total_sent for r in reports) == 12
    # Whatever the interleaving: a customer one process claimed is skipped by the other.
    assert all(r.unreachable == r.deferred == 0 for r in reports)
    assert sorted(p["chat_id"] for p in api.sent()) == list(range(600, 612))
    for who in customers:
        assert len(sessions_of(factory, who)) == 1


async def test_sending_keeps_under_the_flood_limit(
    api: FakeBotApi, factory: sessionmaker[Session], dispatcher: Callable[[datetime], Dispatcher]
) -> None:
    with factory() as session, session.begin():
        for n in range(36):
            row = Customer(
                external_id=f"bulk{n}",
                signed_up_at=NOW,
                created_at=NOW,
                updated_at=NOW,
                language="en",
            )
            session.add(row)
            session.flush()
            link(session, row.id, 1000 + n)
    report = await dispatcher(NOW).send_due()
    assert report.total_sent == 36
    assert api.rate_limited == 0
    times = sorted(c.at for c in api.calls if c.method == "sendMessage")
    assert max(sum(1 for t in times if s <= t < s + 1) for s in times) <= 30
    with factory() as session:
        assert (
            session.scalar(select(SurveySession.id).where(SurveySession.sent_at.is_(None))) is None
        )


async def test_send_due_can_share_a_running_bots_limiter(
    api: FakeBotApi,
    settings: Settings,
    factory: sessionmaker[Session],
    application: BotApplication,
) -> None:
    linked(factory, "shared", 701)
    gets_me = len(api.calls_to("getMe"))
    report = await send_due(settings, factory, application=application)
    assert dict(report.sent) == {"nps": 1}
    assert len(api.calls_to("getMe")) == gets_me  # no second bot was started
