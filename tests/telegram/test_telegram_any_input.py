"""Whatever a customer sends (long text, emoji, RTL, stickers, photos, voice, edits, group
messages), the bot answers sensibly or stays quiet, and never crashes."""

from __future__ import annotations

import tg_updates as tg
from bot_harness import Harness, answers_of, make_customer
from fake_bot_api import FakeBotApi
from sqlalchemy.orm import Session, sessionmaker

from bot.telegram_app import send_now
from config import Settings
from surveys.i18n import builtin_catalog

T = builtin_catalog().text


async def test_odd_input_during_a_survey(
    harness: Harness, api: FakeBotApi, settings: Settings, factory: sessionmaker[Session]
) -> None:
    chat = 9001
    who = make_customer(factory, "i1", "en")
    await harness.link(chat, who)
    sent = await send_now(settings, factory, "nps", "i1")
    start = len(api.sent(chat))

    # At the 0-10 question: non-buttons are pointed at the buttons; a typed number counts.
    await harness.send(tg.sticker(chat), tg.text(chat, "great!"), tg.text(chat, "12"))
    assert api.texts(chat)[start:] == [
        T("en", "survey.use_buttons"),
        T("en", "survey.use_buttons"),
        T("en", "survey.out_of_range", low=0, high=10),
    ]
    await harness.send(tg.text(chat, " 8 "))
    assert answers_of(factory, who)["score"].score == 8
    assert api.texts(chat)[-1] == T("en", "nps.comment")

    # At the free-text question: media is refused politely, overlong text too.
    mark = len(api.sent(chat))
    await harness.send(
        tg.photo(chat, caption="see screenshot"),
        tg.voice(chat),
        tg.sticker(chat),
        tg.text(chat, "x" * 5000),
        tg.text(chat, "   "),
        tg.edited(chat, "an edit is ignored"),
        tg.text(-100123, "a group message is ignored"),
        tg.command(-100123, "/stop"),
    )
    assert api.texts(chat)[mark:] == [
        T("en", "survey.write_or_skip"),
        T("en", "survey.write_or_skip"),
        T("en", "survey.write_or_skip"),
        T("en", "survey.too_long", limit=4096),
        T("en", "survey.empty"),
    ]
    assert api.sent(-100123) == []

    rtl = "המוצר מצוין 👍🏽 لكن السعر مرتفع \u202e\x00 end"
    await harness.send(tg.text(chat, rtl))
    assert api.texts(chat)[-1] == T("en", "nps.thanks")
    assert answers_of(factory, who)["comment"].text == rtl.replace("\x00", "")

    # Nothing open any more: a short help answer.
    await harness.send(tg.text(chat, "thanks!"), tg.sticker(chat))
    assert api.texts(chat)[-2:] == [T("en", "help.idle")] * 2
    assert sent.session_id


async def test_unlinked_chat_gets_linking_help(harness: Harness, api: FakeBotApi) -> None:
    await harness.send(tg.text(9002, "hi", language="da"), tg.voice(9002))
    assert api.texts(9002) == [T("da", "help.not_linked"), T("en", "help.not_linked")]
