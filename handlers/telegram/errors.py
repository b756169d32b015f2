"""The one error handler: log the failure with the update that caused it.

A `Forbidden` while replying means the customer blocked the bot between their message
and our answer: they are marked unreachable rather than logged as a bug.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import Application, ContextTypes

from surveys.service import SurveyService

log = logging.getLogger(__name__)


def register(application: Application, service: SurveyService) -> None:  # type: ignore[type-arg]
    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if isinstance(context.error, Forbidden) and chat is not None:
            await service.set_reachable(chat.id, reachable=False)
            return
        data = update.to_dict() if isinstance(update, Update) else repr(update)
        log.error("handling update %s failed", data, exc_info=context.error)

    application.add_error_handler(on_error)
