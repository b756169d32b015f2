"""Survey answers: button taps and messages in private chats, handed to the survey service.

A tap is answered with the service's notice as the callback answer ("This survey is
closed"), so the decision comes first: it is one short transaction. If deciding fails,
the query is still answered before the error propagates, so the button's spinner stops.
"""

from __future__ import annotations

import contextlib
import logging
import operator
from functools import reduce

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from handlers.telegram import callbacks, render
from handlers.telegram.updates import chat_id_of, customer_input, who
from surveys.prompts import AnswerAction, ForgetAction, LanguageAction, SkipAction
from surveys.service import SurveyReply, SurveyService, Who

log = logging.getLogger(__name__)

PRIVATE_MESSAGES = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE  # edits ignored
NON_TEXT = reduce(
    operator.or_,
    (
        filters.Sticker.ALL,
        filters.PHOTO,
        filters.VOICE,
        filters.VIDEO_NOTE,
        filters.VIDEO,
        filters.ANIMATION,
        filters.AUDIO,
        filters.Document.ALL,
        filters.LOCATION,
        filters.VENUE,
        filters.CONTACT,
        filters.POLL,
        filters.Dice.ALL,
    ),
)


async def _reply_to_tap(service: SurveyService, sender: Who, data: object) -> SurveyReply:
    action = callbacks.decode(data)
    if action is None:
        log.warning("rejected callback data %r from chat %s", data, sender.address)
        return await service.invalid_button(sender)
    if isinstance(action, AnswerAction | SkipAction):
        return await service.tap(sender, action)
    if isinstance(action, LanguageAction):
        return await service.set_language(sender, action.language)
    assert isinstance(action, ForgetAction)
    return await service.forget(sender, action.confirmed)


def register(application: Application, service: SurveyService) -> None:  # type: ignore[type-arg]
    async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        sender = who(update)
        if query is None or sender is None:
            return
        try:
            reply = await _reply_to_tap(service, sender, query.data)
        except Exception:
            with contextlib.suppress(TelegramError):
                await query.answer()
            raise
        await render.deliver(context.bot, service, chat_id_of(sender), reply, query)

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        sender = who(update)
        if message is None or sender is None:
            return
        reply = await service.message(sender, customer_input(message))
        await render.deliver(context.bot, service, chat_id_of(sender), reply)

    application.add_handler(CallbackQueryHandler(on_tap))
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(PRIVATE_MESSAGES & (text | NON_TEXT), on_message))
