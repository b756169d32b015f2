"""Telegram updates into the durable intake, and back out to the handlers.

Both ways in store before they confirm: the webhook answers 200 only after
`Intake.store()` committed (`handlers.telegram.webhook`), and `Poller` asks getUpdates for
the next offset (which is what confirms the previous batch to Telegram) only after the
batch is stored. `handler()` turns a stored update back into a python-telegram-bot
`Update` and runs the registered handlers; a handler that fails makes it raise, so the
intake retries the update instead of marking it handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from surveys.intake import Delivery, Handle, Intake

log = logging.getLogger(__name__)
SOURCE = "telegram"
_CHAT_FIELDS = ("message", "edited_message", "my_chat_member", "channel_post", "chat_member")

# The errors the handlers hit while one stored update is handled (set by `handler`, filled
# by the error handler in `handlers.telegram.errors`).
current_failures: contextvars.ContextVar[list[BaseException] | None] = contextvars.ContextVar(
    "telegram_update_failures", default=None
)


class NotAnUpdate(ValueError):
    """A body that is not a Telegram update (no integer update_id, not an object)."""


def clean(value: Any) -> Any:
    """The update with text every database stores: NULs dropped, lone surrogates replaced.

    Telegram sends neither, but a forged or corrupted body might, and PostgreSQL refuses a
    NUL in text: one such answer would then fail on every retry. A customer's comment is
    kept with the odd character replaced rather than refused.
    """
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def delivery(bot_id: int, data: Any, bot: Any = None) -> Delivery:
    """The inbox entry for one update as Telegram sent it (a parsed JSON object).

    With `bot`, the update is also parsed as python-telegram-bot will parse it when it is
    handled, so a body that is not an update is refused now rather than parked later.
    """
    if not isinstance(data, dict):
        raise NotAnUpdate("not a JSON object")
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not 0 <= update_id < 2**53:
        raise NotAnUpdate("no valid update_id")
    data = clean(data)
    if bot is not None:
        try:
            Update.de_json(data, bot)
        except Exception as error:
            raise NotAnUpdate(f"not a Telegram update ({type(error).__name__})") from None
    return Delivery(
        delivery_id=f"{bot_id}:{update_id}",
        chat_key=chat_key(data),
        payload=json.dumps(data, ensure_ascii=False, separators=(",", ":")),
    )


def chat_key(data: dict[str, Any]) -> str:
    """The chat an update belongs to: its updates are handled in order, one at a time."""

    def ident(value: Any) -> str | None:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else None

    for field in _CHAT_FIELDS:
        part = data.get(field)
        if isinstance(part, dict) and isinstance(part.get("chat"), dict):
            found = ident(part["chat"].get("id"))
            if found:
                return found
    query = data.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            found = ident(message["chat"].get("id"))
            if found:
                return found
        sender = query.get("from")
        if isinstance(sender, dict) and (found := ident(sender.get("id"))):
            return found
    return "-"


def handler(application: Application) -> Handle:  # type: ignore[type-arg]
    """What the intake calls with a stored update: run the bot's handlers on it."""

    async def handle(payload: str) -> None:
        update = Update.de_json(json.loads(payload), application.bot)
        failures: list[BaseException] = []
        token = current_failures.set(failures)
        try:
            await application.process_update(update)
        finally:
            current_failures.reset(token)
        if failures:
            raise failures[0]

    return handle


class Poller:
    """getUpdates in a loop, each batch stored before the next call confirms it.

    python-telegram-bot's Updater confirms a batch by asking for the next one while the
    batch still waits in memory; this loop stores first. A batch that cannot be stored is
    asked for again (same offset), so Telegram keeps it.
    """

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        intake: Intake,
        timeout: timedelta,
        allowed_updates: tuple[str, ...],
    ) -> None:
        self.application = application
        self.intake = intake
        self.timeout = timeout
        self.allowed_updates = allowed_updates
        self._task: asyncio.Task[None] | None = None
        self.failure: str | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        bot = self.application.bot
        await bot.delete_webhook()  # getUpdates is refused while a webhook is set
        self._task = asyncio.create_task(self._run(), name="telegram-poller")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()  # an unconfirmed batch in flight is simply delivered again
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _run(self) -> None:
        bot = self.application.bot
        offset: int | None = None
        pause = 1.0
        while True:
            try:
                updates = await bot.get_updates(
                    offset=offset,
                    timeout=self.timeout,
                    allowed_updates=list(self.allowed_updates),
                )
                batch = [delivery(bot.id, update.to_dict()) for update in updates]
                await self.intake.store(batch)
            except asyncio.CancelledError:
                raise
            except InvalidToken as error:
                self.failure = f"Telegram refused the token: {error}"
                log.error("polling stopped: %s", self.failure)
                return
            except RetryAfter as error:
                await asyncio.sleep(error.retry_after.total_seconds())  # type: ignore[union-attr]
                continue
            except (NetworkError, TelegramError, OSError) as error:
                log.warning("getUpdates failed, retrying in %.0f s: %s", pause, error)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
                continue
            except Exception as error:  # the database refused the batch: ask for it again
                log.warning(  # the type only: a driver's message may quote a customer's text
                    "could not store updates, asking again in %.0f s: %s",
                    pause,
                    type(error).__name__,
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
                continue
            pause = 1.0
            if updates:
                offset = updates[-1].update_id + 1
