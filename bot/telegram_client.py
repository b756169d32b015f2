"""The Telegram client for posts outside a conversation: the managers' digest.

Inside `retention-bot run` it is the running bot's own client, so digest posts share its
rate limiter with the survey messages; where no bot runs (`retention-bot digest --post`, a
scheduler job called on its own) one is built by `bot.telegram_app.build_bot`, the same
factory, on first use, and closed by `close()`. Light to import: python-telegram-bot loads
only when a client is wanted, so commands that never post do not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from config import Settings

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.ext import ExtBot


class LentBot:
    """A `handlers.telegram.digest.BotSource`: call it for the client to post with.

    The client built here is not initialised: that would cost a getMe the posts do not
    need. Its calls work without it, and `close()` closes its HTTP pool.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._own: ExtBot[Any] | None = None

    def __call__(self) -> Bot:
        from bot.telegram_app import build_bot, running_application

        running = running_application()
        if running is not None:
            return running.bot
        if self._own is None:
            self._own = build_bot(self.settings)
        return self._own

    async def close(self) -> None:
        """Close the client built here, if one was (a later call builds another)."""
        own, self._own = self._own, None
        if own is not None:
            await own.request.shutdown()
