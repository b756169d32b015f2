"""Whole surveys through the real python-telegram-bot Application, polling a fake Bot API.

Each test links a customer with /start, sends a survey the way `survey send` does, and
answers it with Bot API-shaped updates; assertions are on what the bot sent and on rows.
"""

from __future__ import annotations

import pytest
import tg_updates as tg
from bot_harness import Harness, answers_of, customer_row, make_customer, sessions_of
from fake_bot_api import FakeBotApi, keyboard_data
from sqlalchemy.orm import Session, sessionmaker

from bot.telegram_app import send_now
from builders import binding
from config import Settings
from surveys.hooks import AnswerHooks, CompletedSurvey, StoredAnswer
from surveys.i18n import builtin_catalog

T = builtin_catalog().text
REASONS = [
    "price",
    "support",
    "missing_features",
    "bugs",
    "usability",
    "competitor",
    "no_need",
    "billing",
    "neglect",
    "external",
    "other",
]


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_nps_full_conversation(
    harness: Harness,
    api: FakeBotApi,
    settings: Settings,
    factory: sessionmaker[Session],
    hooks: AnswerHooks,
    language: str,
) -> None:
    stored: list[StoredAnswer] = []
    completed: list[CompletedSurvey] = []
    hooks.on_answer(stored.append)  # a real listener, called from a worker thread

    async def on_completed(done: CompletedSurvey) -> None:
        completed.append(done)

    hooks.on_completed(on_completed)
    chat = 5001
    who = make_customer(factory, "c1", language)

    await harness.link(chat, who, language="en")  # Telegram says en; the import wins
    assert api.texts(chat)[-1] == T(language, "start.linked")
    row = binding(factory, who)
    assert row is not None and (row.address, row.user_ref) == (str(chat), str(chat))
    assert row.linked_at is not None

    sent = await send_now(settings, factory, "nps", "c1")
    question = api.last(chat)
    assert question["text"] == T(language, "nps.score")
    data = keyboard_data(question)
    assert data == [f"a:{sent.session_id}:score:{n}" for n in range(11)]
    assert [len(r) for r in question["reply_markup"]["inline_keyboard"]] == [6, 5]

    await harness.send(tg.tap(chat, data[9], message_id=int(sent.message_ref)))
    assert api.texts(chat)[-1] == T(language, "nps.comment")
    assert keyboard_data(api.last(chat)) == [f"s:{sent.session_id}:comment"]  # Skip
    assert harness.notices()[-1] is None  # a plain acknowledgement
    retired = api.calls_to("editMessageReplyMarkup")[-1].params
    assert retired["message_id"] == int(sent.message_ref)

    comment = "Быстрая поддержка 👍 שלום" if language == "ru" else "Fast support 👍 مرحبا"
    await harness.send(tg.text(chat, comment))
    assert api.texts(chat)[-1] == T(language, "nps.thanks")
    # The Skip button of the comment question is retired once it is answered by typing.
    assert api.calls_to("editMessageReplyMarkup")[-1].params["message_id"] != int(sent.message_ref)

    given = answers_of(factory, who)
    assert given["score"].score == 9 and given["score"].choice is None
    assert given["comment"].text == comment
    assert {a.language for a in given.values()} == {language}
    assert {a.channel for a in given.values()} == {"telegram"}
    (done,) = sessions_of(factory, who)
    assert (done.status, done.current_step, done.survey) == ("completed", None, "nps")
    assert done.sent_at is not None and done.completed_at is not None
    assert [a.question for a in stored] == ["score", "comment"]
    assert stored[1].answer_id == given["comment"].id and stored[1].is_free_text
    assert len(completed) == 1
    assert [a.question for a in completed[0].answers] == ["score", "comment"]


@pytest.mark.parametrize("language", ["da", "zh"])
async def test_csat_with_skipped_comment(
    harness: Harness,
    api: FakeBotApi,
    settings: Settings,
    factory: sessionmaker[Session],
    language: str,
) -> None:
    chat = 5002
    who = make_customer(factory, "c2", None)  # no imported language: Telegram's is used
    await harness.link(chat, who, language=language)
    assert api.texts(chat)[-1] == T(language, "start.linked")
    assert customer_row(factory, who).language == language

    sent = await send_now(settings, factory, "csat", "c2")
    question = api.last(chat)
    assert question["text"] == T(language, "csat.score")
    assert keyboard_data(question) == [f"a:{sent.session_id}:score:{n}" for n in range(1, 6)]

    await harness.send(tg.tap(chat, f"a:{sent.session_id}:score:2", int(sent.message_ref)))
    assert api.texts(chat)[-1] == T(language, "csat.comment")
    skip = keyboard_data(api.last(chat))[0]
    await harness.send(tg.tap(chat, skip, api.last(chat).get("message_id", 1)))
    assert api.texts(chat)[-1] == T(language, "csat.thanks")

    given = answers_of(factory, who)
    assert list(given) == ["score"] and given["score"].score == 2
    assert sessions_of(factory, who)[0].status == "completed"


@pytest.mark.parametrize(
    ("language", "reason", "offered"),
    [("ru", "price", True), ("uk", "usability", False)],
)
async def test_exit_interview(
    harness: Harness,
    api: FakeBotApi,
    settings: Settings,
    factory: sessionmaker[Session],
    language: str,
    reason: str,
    offered: bool,
) -> None:
    chat = 5003
    who = make_customer(factory, "c3", language)
    await harness.link(chat, who)
    sent = await send_now(settings, factory, "exit", "c3")
    question = api.last(chat)
    assert question["text"] == T(language, "exit.reason")
    assert keyboard_data(question) == [f"a:{sent.session_id}:reason:{r}" for r in REASONS]
    labels = [b["text"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [T(language, f"reasons.{r}") for r in REASONS]

    await harness.send(tg.tap(chat, f"a:{sent.session_id}:reason:{reason}", int(sent.message_ref)))
    assert api.texts(chat)[-1] == T(language, "exit.comment")
    await harness.send(tg.text(chat, "Too pricey for a team of two"))

    if offered:
        offer = api.last(chat)
        expected_offer = (
            "Мы можем сделать скидку 30% на следующие три месяца."
            if language == "ru"
            else "We can take 30% off your next three months."
        )
        assert offer["text"] == T(language, "exit.save_offer", offer=expected_offer)
        yes = f"a:{sent.session_id}:save_offer:yes"
        assert keyboard_data(offer) == [yes, f"a:{sent.session_id}:save_offer:no"]
        await harness.send(tg.tap(chat, yes))
        assert api.texts(chat)[-1] == T(language, "exit.thanks_save")
    else:
        assert api.texts(chat)[-1] == T(language, "exit.thanks")

    given = answers_of(factory, who)
    assert given["reason"].choice == reason
    assert given["comment"].text == "Too pricey for a team of two"
    (row,) = sessions_of(factory, who)
    assert row.status == "completed"
    assert row.save_opportunity is offered
    if offered:
        assert given["save_offer"].choice == "yes"
    else:
        assert "save_offer" not in given
