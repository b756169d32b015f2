"""Explicit sends and the bookkeeping of `send_due`, with a recording sender (no Telegram)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from builders import customer, link
from storage.models import Customer, SurveySession
from surveys.dispatch import Dispatcher
from surveys.errors import DeliveryDeferred, NotDelivered, SurveyRefused, UnknownCustomer
from surveys.prompts import Prompt

NOW = datetime(2026, 5, 10, 9, tzinfo=UTC)


class RecordingSender:
    channel = "telegram"

    def __init__(self, fail: Exception | None = None) -> None:
        self.sent: list[tuple[str, Prompt]] = []
        self.fail = fail

    async def send(self, address: str, prompt: Prompt) -> str:
        if self.fail is not None:
            raise self.fail
        self.sent.append((address, prompt))
        return str(500 + len(self.sent))


def add(
    factory: sessionmaker[Session],
    name: str,
    chat: int | None = 10,
    unreachable: bool = False,
    **fields: object,
) -> int:
    with factory() as session, session.begin():
        row = customer(session, NOW - timedelta(days=100), external_id=name, language="en")
        if chat is not None:
            link(session, row.id, chat, reachable=not unreachable)
        for key, value in fields.items():
            setattr(row, key, value)
        return row.id


def dispatcher(
    factory: sessionmaker[Session], sender: RecordingSender, now: datetime = NOW
) -> Dispatcher:
    return Dispatcher(factory, sender, clock=lambda: now)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"chat": None},
            "has not linked Telegram yet; send them the link from `retention-bot link x`",
        ),
        ({"opted_out": True}, "opted out of surveys"),
        ({"unreachable": True}, "blocked the bot"),
    ],
)
async def test_explicit_sends_are_refused_with_the_reason(
    factory: sessionmaker[Session], fields: dict[str, object], message: str
) -> None:
    fields = dict(fields)  # parameters are shared between the two databases
    chat = fields.pop("chat", 10)
    add(factory, "x", chat, **fields)  # type: ignore[arg-type]
    sender = RecordingSender()
    with pytest.raises(SurveyRefused, match=message) as refused:
        await dispatcher(factory, sender).send_now("nps", "x")
    assert refused.value.exit_code == 1
    assert sender.sent == []
    with factory() as session:
        assert session.scalars(select(SurveySession)).all() == []


async def test_cooldown_and_open_survey(factory: sessionmaker[Session]) -> None:
    add(factory, "x")
    sender = RecordingSender()
    await dispatcher(factory, sender).send_now("nps", "x")
    with pytest.raises(SurveyRefused, match="already has an open nps survey"):
        await dispatcher(factory, sender, NOW + timedelta(hours=1)).send_now("csat", "x")
    later = NOW + timedelta(days=8)  # the NPS expired; still within the cooldown
    with pytest.raises(SurveyRefused, match="within the 14-day cooldown"):
        await dispatcher(factory, sender, later).send_now("csat", "x")
    await dispatcher(factory, sender, later).send_now("exit", "x")  # exit ignores it
    assert len(sender.sent) == 2
    with pytest.raises(UnknownCustomer, match="no customer with external id 'y'"):
        await dispatcher(factory, sender).send_now("nps", "y")
    with pytest.raises(SurveyRefused, match="unknown survey"):
        await dispatcher(factory, sender).send_now("poll", "x")


async def test_a_failed_delivery_releases_the_claim(factory: sessionmaker[Session]) -> None:
    add(factory, "x")
    with pytest.raises(NotDelivered, match="try again"):
        await dispatcher(factory, RecordingSender(DeliveryDeferred("timed out"))).send_now(
            "nps", "x"
        )
    with factory() as session:
        assert session.scalars(select(SurveySession)).all() == []
    report = await dispatcher(factory, RecordingSender(DeliveryDeferred("x"))).send_due()
    assert report.deferred == 1 and report.total_sent == 0
    assert (await dispatcher(factory, RecordingSender()).send_due()).total_sent == 1


async def test_housekeeping_releases_stale_claims_and_prunes_update_keys(
    factory: sessionmaker[Session],
) -> None:
    who = add(factory, "x")
    with factory() as session, session.begin():
        session.add(
            SurveySession(
                customer_id=who,
                survey="nps",
                status="scheduled",  # a sender died between claim and send
                channel="telegram",
                current_step="score",
                created_at=NOW - timedelta(minutes=20),
                updated_at=NOW - timedelta(minutes=20),
                expires_at=NOW + timedelta(days=6),
            )
        )
    sender = RecordingSender()
    report = await dispatcher(factory, sender).send_due()
    assert report.released == 1 and report.total_sent == 1
    with factory() as session:
        assert [s.status for s in session.scalars(select(SurveySession))] == ["sent"]


async def test_prompt_is_in_the_customers_language(factory: sessionmaker[Session]) -> None:
    who = add(factory, "x")
    with factory() as session, session.begin():
        session.execute(update(Customer).where(Customer.id == who).values(language="zh-CN"))
    sender = RecordingSender()
    await dispatcher(factory, sender).send_now("csat", "x")
    assert sender.sent[0][1].text.startswith("您对我们客服团队")
    with factory() as session:
        assert session.scalars(select(SurveySession.language)).one() == "zh"
