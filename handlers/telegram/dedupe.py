"""Each Telegram update is handled once, even when delivered twice or to two processes.

Telegram redelivers an update whose receipt it did not see confirmed (a webhook that timed
out, a poller that died before its next getUpdates). Before any handler runs, the update's
key is inserted into `processed_updates`; a key that is already there stops the update.
The key includes the bot id, because update ids are only unique per bot.

The claim commits before the handlers run: a crash in between drops that one update (the
customer taps again; their question is still open), which is the safe side of the choice.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from surveys.service import SurveyService

log = logging.getLogger(__name__)
GROUP = -1  # before every other handler group


def register(application: Application, service: SurveyService) -> None:  # type: ignore[type-arg]
    async def claim(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        key = f"{context.bot.id}:{update.update_id}"
        if not await service.claim_update(key):
            log.info("update %s was already handled; skipped", update.update_id)
            raise ApplicationHandlerStop

    application.add_handler(TypeHandler(Update, claim), group=GROUP)
