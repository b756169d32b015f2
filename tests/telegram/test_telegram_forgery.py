"""Forged or altered input is refused, logged and never stored: link tokens and buttons."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import tg_updates as tg
from bot_harness import Harness, answers_of, customer_row, make_customer, sessions_of
from fake_bot_api import FakeBotApi
from sqlalchemy.orm import Session, sessionmaker

from bot.telegram_app import send_now
from builders import binding, chat_of
from config import Settings
from surveys.i18n import builtin_catalog
from surveys.linking import issue_token

T = builtin_catalog().text


def _flip(token: str, index: int) -> str:
    swapped = "A" if token[index] != "A" else "B"
    return token[:index] + swapped + token[index + 1 :]


async def test_forged_altered_and_expired_links_bind_nothing(
    harness: Harness,
    api: FakeBotApi,
    factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    victim = make_customer(factory, "victim", "en")
    chat = 7001
    genuine = harness.token(victim)
    other_secret = issue_token(
        "another-secret-" + "z" * 30, victim, datetime.now(UTC), timedelta(1)
    )
    cases = {
        "no token": ("/start", "start.no_token"),
        "garbage": ("/start hello", "start.bad_token"),
        "altered customer id": (f"/start {_flip(genuine, 8)}", "start.bad_token"),
        "altered tag": (f"/start {_flip(genuine, 40)}", "start.bad_token"),
        "truncated": (f"/start {genuine[:-3]}", "start.bad_token"),
        "other secret": (f"/start {other_secret}", "start.bad_token"),
        "expired": (
            f"/start {harness.token(victim, datetime.now(UTC) - timedelta(days=31))}",
            "start.expired_token",
        ),
        "unknown customer": (f"/start {harness.token(victim + 999)}", "start.bad_token"),
    }
    with caplog.at_level(logging.WARNING):
        for body, _ in cases.values():
            await harness.send(tg.command(chat, body))
    assert api.texts(chat) == [T("en", key) for _, key in cases.values()]
    assert chat_of(factory, victim) is None
    assert "forged" in caplog.text and "expired" in caplog.text


async def test_a_used_link_cannot_move_a_customer_to_another_chat(
    harness: Harness, api: FakeBotApi, factory: sessionmaker[Session]
) -> None:
    who = make_customer(factory, "owner", "en")
    issued = datetime.now(UTC) - timedelta(minutes=5)
    token = harness.token(who, issued)
    await harness.send(tg.command(7002, f"/start {token}"))
    await harness.send(tg.command(7003, f"/start {token}"))  # a forwarded link
    assert api.texts(7003) == [T("en", "start.used_token")]
    assert chat_of(factory, who) == 7002
    # A fresh link (issued after the binding) does move them: the customer asked for it.
    await harness.send(tg.command(7003, f"/start {harness.token(who)}"))
    assert chat_of(factory, who) == 7003


async def test_forged_callback_data_is_rejected_and_stores_nothing(
    harness: Harness,
    api: FakeBotApi,
    settings: Settings,
    factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    alice, mallory = make_customer(factory, "alice", "en"), make_customer(factory, "mallory", "en")
    await harness.link(7101, alice)
    await harness.link(7102, mallory)
    target = await send_now(settings, factory, "nps", "alice")
    own = await send_now(settings, factory, "csat", "mallory")
    sid = target.session_id
    forged = [
        (7102, f"a:{sid}:score:0"),  # another customer's survey
        (7101, f"a:{sid}:score:11"),  # off the scale
        (7101, f"a:{sid}:score:07"),  # not a spelling we send
        (7101, f"a:{sid}:score:-1"),
        (7101, f"a:{sid}:reason:price"),  # a step this survey does not have
        (7101, f"s:{sid}:score"),  # skipping a question that cannot be skipped
        (7102, f"a:{own.session_id}:score:9"),  # off mallory's own 1-5 scale
        (7101, "a:999999:score:5"),  # no such session
        (7101, "garbage"),
        (7101, "a:" + "9" * 70),  # longer than Telegram allows
        (7101, "l:xx"),  # a language we do not have
    ]
    with caplog.at_level(logging.WARNING):
        await harness.send(*(tg.tap(chat, data) for chat, data in forged))
    notices = harness.notices()
    assert len(notices) == len(forged)
    invalid = T("en", "survey.invalid")
    assert notices.count(invalid) == len(forged) - 1
    assert notices[7] == T("en", "survey.closed")  # an unknown session is closed to them
    assert answers_of(factory, alice) == {} and answers_of(factory, mallory) == {}
    assert sessions_of(factory, alice)[0].current_step == "score"
    assert sessions_of(factory, mallory)[0].current_step == "score"
    assert "forged tap" in caplog.text and "rejected callback data" in caplog.text


async def test_forget_revokes_every_link_issued_before_it(
    harness: Harness, api: FakeBotApi, factory: sessionmaker[Session]
) -> None:
    """A link in a mail box must not bind a customer who asked to be forgotten."""
    who = make_customer(factory, "forgetful", "en", name="Grace Hopper", email="g@example.com")
    mailed = harness.token(who, datetime.now(UTC) - timedelta(days=2))
    spare = harness.token(who, datetime.now(UTC) - timedelta(hours=1))  # issued, never used
    await harness.send(tg.command(7101, f"/start {mailed}"))
    assert chat_of(factory, who) == 7101
    await harness.send(tg.command(7101, "/forget"))
    await harness.send(tg.tap(7101, "f:y"))
    assert api.texts(7101)[-1] == T("en", "forget.done")
    forgotten_at = customer_row(factory, who).forgotten_at
    assert forgotten_at is not None

    # The customer's own chat, or whoever finds the mail: every earlier link is refused.
    for chat, token in ((7101, mailed), (7102, mailed), (7102, spare)):
        await harness.send(tg.command(chat, f"/start {token}"))
        assert api.texts(chat)[-1] == T("en", "start.bad_token")
    assert binding(factory, who) is None and customer_row(factory, who).name is None

    # A link issued after /forget (the customer asked for one again) binds as usual,
    # and the old one stays dead afterwards too.
    fresh = harness.token(who, forgotten_at + timedelta(seconds=1))
    await harness.send(tg.command(7102, f"/start {fresh}"))
    assert api.texts(7102)[-1] == T("en", "start.linked")
    await harness.send(tg.command(7103, f"/start {mailed}"))
    assert api.texts(7103) == [T("en", "start.bad_token")]
    assert chat_of(factory, who) == 7102
