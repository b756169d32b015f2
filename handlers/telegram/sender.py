"""The Telegram side of survey dispatch: one prompt to one chat, errors translated.

The bot this wraps carries python-telegram-bot's `AIORateLimiter` (see `bot.telegram_app`),
which paces every request that has a chat id and retries after a `RetryAfter`; what still
fails arrives here and becomes a core delivery error.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from handlers.telegram.render import send_prompt
from handlers.telegram.updates import CHANNEL
from surveys.errors import DeliveryDeferred, RecipientUnreachable
from surveys.prompts import Prompt

log = logging.getLogger(__name__)
_GONE = ("chat not found", "user is deactivated", "bot was blocked")


class TelegramSender:
    """Implements `surveys.dispatch.Sender` with a python-telegram-bot `Bot`: the address
    is the chat id as text, the message reference the message id as text."""

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, address: str, prompt: Prompt) -> str:
        chat_id = int(address)
        try:
            return str(await send_prompt(self.bot, chat_id, prompt))
        except Forbidden as error:
            raise RecipientUnreachable(error.message) from error
        except BadRequest as error:
            if any(marker in error.message.lower() for marker in _GONE):
                raise RecipientUnreachable(error.message) from error
            log.error("Telegram refused a survey message to chat %s: %s", chat_id, error)
            raise DeliveryDeferred(error.message) from error
        except RetryAfter as error:
            raise DeliveryDeferred(f"flood control: {error.message}") from error
        except TelegramError as error:  # NetworkError, TimedOut, ...: worth another try
            raise DeliveryDeferred(str(error)) from error
