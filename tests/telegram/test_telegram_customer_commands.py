"""/help, /stop, /resume, /forget, /language, the command menu, and blocking the bot."""

from __future__ import annotations

import tg_updates as tg
from bot_harness import Harness, answers_of, customer_row, make_customer, sessions_of
from fake_bot_api import FakeBotApi, keyboard_data
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.telegram_app import send_now
from builders import binding
from config import Settings
from storage.models import Answer, AnswerTag, Customer
from surveys.i18n import builtin_catalog

CATALOG = builtin_catalog()
T = CATALOG.text


async def test_commands_are_registered_per_language(harness: Harness, api: FakeBotApi) -> None:
    calls = [c.params for c in api.calls_to("setMyCommands")]
    assert [c.get("language_code") for c in calls] == [None, "en", "da", "ru", "uk", "zh"]
    russian = next(c for c in calls if c.get("language_code") == "ru")
    assert [c["command"] for c in russian["commands"]] == [
        "start",
        "help",
        "stop",
        "resume",
        "forget",
        "language",
    ]
    assert russian["commands"][2]["description"] == T("ru", "commands.stop")


async def test_stop_closes_the_open_survey_and_resume_reopens_surveys(
    harness: Harness, api: FakeBotApi, settings: Settings, factory: sessionmaker[Session]
) -> None:
    chat = 8001
    who = make_customer(factory, "s1", "uk")
    await harness.link(chat, who)
    sent = await send_now(settings, factory, "nps", "s1")

    await harness.send(tg.command(chat, "/stop"))
    assert api.texts(chat)[-1] == T("uk", "stop.done")
    row = customer_row(factory, who)
    assert row.opted_out and row.opted_out_at is not None
    assert sessions_of(factory, who)[0].status == "cancelled"
    await harness.send(tg.tap(chat, f"a:{sent.session_id}:score:5", int(sent.message_ref)))
    assert harness.notices()[-1] == T("uk", "survey.closed")
    assert answers_of(factory, who) == {}

    await harness.send(tg.command(chat, "/stop"))
    assert api.texts(chat)[-1] == T("uk", "stop.already")
    await harness.send(tg.command(chat, "/resume"))
    assert api.texts(chat)[-1] == T("uk", "resume.done")
    assert not customer_row(factory, who).opted_out
    await harness.send(tg.command(chat, "/resume"))
    assert api.texts(chat)[-1] == T("uk", "resume.active")


async def test_resume_asks_the_open_question_again(
    harness: Harness, api: FakeBotApi, settings: Settings, factory: sessionmaker[Session]
) -> None:
    chat = 8002
    who = make_customer(factory, "s2", "en")
    await harness.link(chat, who)
    sent = await send_now(settings, factory, "csat", "s2")
    await harness.send(tg.command(chat, "/resume"))
    again = api.last(chat)
    assert again["text"] == T("en", "resume.continue") + "\n\n" + T("en", "csat.score")
    assert keyboard_data(again)[0] == f"a:{sent.session_id}:score:1"


async def test_forget_deletes_answers_and_personal_data_after_confirmation(
    harness: Harness, api: FakeBotApi, settings: Settings, factory: sessionmaker[Session]
) -> None:
    chat = 8003
    who = make_customer(factory, "f1", "en", name="Ada Lovelace", email="ada@example.com")
    keep = make_customer(factory, "f2", "en")
    await harness.link(chat, who)
    await harness.link(8004, keep)
    sent = await send_now(settings, factory, "nps", "f1")
    await harness.send(tg.tap(chat, f"a:{sent.session_id}:score:4", int(sent.message_ref)))
    await harness.send(tg.text(chat, "Slow and buggy, my name is Ada"))
    other = await send_now(settings, factory, "nps", "f2")
    await harness.send(tg.tap(8004, f"a:{other.session_id}:score:9", int(other.message_ref)))
    with factory() as session, session.begin():
        comment = answers_of(factory, who)["comment"]
        session.add(AnswerTag(answer_id=comment.id, reason="bugs", created_at=comment.created_at))

    await harness.send(tg.command(chat, "/forget"))
    confirm = api.last(chat)
    assert confirm["text"] == T("en", "forget.confirm")
    assert keyboard_data(confirm) == ["f:y", "f:n"]
    await harness.send(tg.tap(chat, "f:n"))
    assert api.texts(chat)[-1] == T("en", "forget.cancelled")
    assert len(answers_of(factory, who)) == 2

    await harness.send(tg.tap(chat, "f:y"))
    assert api.texts(chat)[-1] == T("en", "forget.done")
    row = customer_row(factory, who)
    assert (row.name, row.email, binding(factory, who)) == (None, None, None)
    assert row.external_id == "f1" and row.signed_up_at is not None  # aggregates keep it
    assert answers_of(factory, who) == {}
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(AnswerTag)) == 0
        assert session.scalar(select(func.count()).select_from(Answer)) == 1  # f2's
        assert session.scalar(select(func.count()).select_from(Customer)) == 2
    # The chat is a stranger now: old buttons are closed, text gets the linking help.
    await harness.send(tg.tap(chat, f"a:{sent.session_id}:score:9"))
    assert harness.notices()[-1] == T("en", "survey.closed")
    await harness.send(tg.text(chat, "hello?"))
    assert api.texts(chat)[-1] == T("en", "help.not_linked")


async def test_language_menu_changes_the_stored_language(
    harness: Harness, api: FakeBotApi, factory: sessionmaker[Session]
) -> None:
    chat = 8005
    who = make_customer(factory, "l1", "en")
    await harness.link(chat, who)
    await harness.send(tg.command(chat, "/language"))
    menu = api.last(chat)
    assert keyboard_data(menu) == ["l:en", "l:da", "l:ru", "l:uk", "l:zh"]
    labels = [b["text"] for row in menu["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["English", "Dansk", "Русский", "Українська", "中文"]
    await harness.send(tg.tap(chat, "l:zh"))
    assert api.texts(chat)[-1] == T("zh", "language.done")
    assert customer_row(factory, who).language == "zh"
    await harness.send(tg.command(chat, "/help", language="en"))
    assert api.texts(chat)[-1] == T("zh", "help.linked")


async def test_help_and_unknown_commands(harness: Harness, api: FakeBotApi) -> None:
    await harness.send(tg.command(8006, "/help", language="ru"))
    await harness.send(tg.command(8006, "/whatever"))
    await harness.send(tg.command(8006, "/stop", language="pt-BR"))
    assert api.texts(8006) == [
        T("ru", "help.not_linked"),
        T("en", "help.not_linked"),
        T("en", "survey.not_linked"),
    ]


async def test_blocking_the_bot_marks_the_customer_unreachable(
    harness: Harness, factory: sessionmaker[Session]
) -> None:
    who = make_customer(factory, "b1", "en")
    await harness.link(8007, who)
    await harness.send(tg.member_status(8007, "member", "kicked"))
    row = binding(factory, who)
    assert row is not None and not row.reachable and row.unreachable_at is not None
    await harness.send(tg.member_status(8007, "kicked", "member"))
    row = binding(factory, who)
    assert row is not None and row.reachable and row.unreachable_at is None
