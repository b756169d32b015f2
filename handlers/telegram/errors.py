"""The one error handler: log the failure with the update's id, and let the intake retry.

A `Forbidden` while replying means the customer blocked the bot between their message
and our answer: they are marked unreachable rather than logged as a bug. Any other error
is recorded for `handlers.telegram.intake.handler`, so the stored update is retried (and
parked after the last try) instead of counted as handled. The log names the update and
chat, never the customer's text.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import Application, ContextTypes

from handlers.telegram.intake import current_failures
from handlers.telegram.updates import address_of
from surveys.service import SurveyService

log = logging.getLogger(__name__)


def register(application: Application, service: SurveyService) -> None:  # type: ignore[type-arg]
    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if isinstance(context.error, Forbidden) and chat is not None:
            await service.set_reachable(address_of(chat.id), reachable=False)
            return
        failures = current_failures.get()
        if failures is not None and context.error is not None:
            failures.append(context.error)
        update_id = update.update_id if isinstance(update, Update) else None
        log.error(
            "handling update %s (chat %s) failed",
            update_id,
            chat.id if chat is not None else None,
            exc_info=context.error,
        )

    application.add_error_handler(on_error, block=True)
