"""Turning core replies into Telegram messages: inline keyboards, notices, retired buttons."""

from __future__ import annotations

import contextlib
import logging

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from handlers.telegram.callbacks import encode
from surveys.prompts import Prompt
from surveys.service import SurveyReply, SurveyService

log = logging.getLogger(__name__)


def keyboard(prompt: Prompt) -> InlineKeyboardMarkup | None:
    if not prompt.rows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(button.label, callback_data=encode(button.action))
                for button in row
            ]
            for row in prompt.rows
        ]
    )


async def send_prompt(bot: Bot, chat_id: int, prompt: Prompt) -> int:
    message = await bot.send_message(chat_id, prompt.text, reply_markup=keyboard(prompt))
    return message.message_id


async def _retire_keyboard(bot: Bot, chat_id: int, message_id: int) -> None:
    # The message may be gone or already without buttons; neither matters.
    with contextlib.suppress(BadRequest):
        await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)


async def deliver(
    bot: Bot,
    service: SurveyService,
    chat_id: int,
    reply: SurveyReply,
    query: CallbackQuery | None = None,
) -> None:
    """Send `reply` to `chat_id`; with `query`, answer the tapped button too."""
    if query is not None:
        await query.answer(reply.notice)
        message = query.message
        if reply.close_keyboard and message is not None:
            await _retire_keyboard(bot, message.chat.id, message.message_id)
    if reply.clear_keyboard_of is not None:
        await _retire_keyboard(bot, chat_id, int(reply.clear_keyboard_of))
    for prompt in reply.messages:
        message_id = await send_prompt(bot, chat_id, prompt)
        if prompt.session_id is not None:
            await service.prompt_sent(prompt.session_id, str(message_id))
