"""The weekly digest in Telegram: HTML messages for managers' chats, and the chart as a photo.

Rendering maps the digest's `document()` to Telegram's HTML subset (`<b>`, `<i>`), with
every piece of text escaped, and splits it into messages of at most 4,096 characters at
section (else item) boundaries, so no tag is ever cut in half.

Posting goes through python-telegram-bot's `Bot`, the one the survey sender uses (built
by `bot.telegram_app.build_bot`: TELEGRAM_API_BASE_URL, TELEGRAM_BOT_TOKEN and the
`AIORateLimiter`), so digest messages and survey messages share one pace in a running bot.
One call per step (`sendMessage`, then `sendPhoto`), each remembered in `progress` once
done, so a retry after a failure sends only what is missing; a failed call becomes a
`TelegramPostError` saying whether another attempt could help.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile, LinkPreviewOptions, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)

from handlers.post_errors import PostError
from insights.digest import Digest, Document, Line, document, monthly
from insights.digest.text import chat_entries, render_line

MESSAGE_CHARS = 4096
CAPTION_CHARS = 1024
# Bot API answers another attempt cannot change: a refused request (bad markup, a chat
# that does not exist: 400), a wrong token (401, 404), a bot removed from the chat (403).
PERMANENT_ERRORS = (BadRequest, ChatMigrated, InvalidToken, Forbidden)


class TelegramPostError(PostError):
    """A Bot API call failed."""


def _html(line: Line) -> str:
    return render_line(
        line, lambda text: html.escape(text, quote=False), ("<b>", "</b>"), ("<i>", "</i>")
    )


def messages_of(doc: Document, limit: int = MESSAGE_CHARS) -> list[str]:
    """HTML messages of at most `limit` characters, split between sections or items."""
    head = f"<b>{html.escape(doc.title, quote=False)}</b>\n{_html(doc.subtitle)}"
    blocks = [head]
    for section in doc.sections:
        title = f"<b>{html.escape(section.title, quote=False)}</b>"
        lines = chat_entries(section, _html, "    ")
        whole = "\n".join([title, *lines])
        if len(whole) <= limit:
            blocks.append(whole)
            continue
        current = title
        for line in lines:
            if len(current) + 1 + len(line) > limit:
                blocks.append(current)
                current = line
            else:
                current += "\n" + line
        blocks.append(current)
    messages: list[str] = []
    current = ""
    for block in blocks:
        block = block if len(block) <= limit else _cut_plain(block, limit)
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) > limit:
            messages.append(current)
            current = block
        else:
            current = candidate
    if current:
        messages.append(current)
    return messages


def _cut_plain(block: str, limit: int) -> str:
    """Last resort for one impossibly long line: drop its markup and cut it."""
    text = html.escape(_strip_tags(block), quote=False)
    return text[: limit - 1] + "…"


def _strip_tags(text: str) -> str:
    for tag in ("<b>", "</b>", "<i>", "</i>"):
        text = text.replace(tag, "")
    return html.unescape(text)


def render_messages(digest: Digest) -> list[str]:
    return messages_of(document(digest))


def photo_caption(digest: Digest) -> str:
    if digest.monthly:
        return monthly.chart_caption(digest)[:CAPTION_CHARS]
    caption = (
        f"<b>Week {digest.week.week} in a chart</b>: NPS and churn over 8 weeks, "
        "and why this week's leavers left."
    )
    return caption[:CAPTION_CHARS]


Checkpoint = Callable[[], Awaitable[None]]
# Where a poster gets its client at post time: the running bot's, or one built for the post.
BotSource = Callable[[], Bot]


class TelegramDigestPoster:
    """Posts a digest to one chat; `destination` names it in the delivery ledger."""

    def __init__(self, bot: BotSource, chat_id: int, timeout: float) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.destination = f"telegram:{chat_id}"
        self._timeouts = {
            name: timeout
            for name in ("read_timeout", "write_timeout", "connect_timeout", "pool_timeout")
        }

    async def post(
        self,
        digest: Digest,
        chart: bytes,
        progress: MutableMapping[str, Any],
        checkpoint: Checkpoint,
    ) -> str:
        bot = self.bot()
        messages = render_messages(digest)
        for index, text in enumerate(messages):
            key = f"message_{index}"
            if key in progress:
                continue
            sent = await self._call(
                "sendMessage",
                bot.send_message(
                    self.chat_id,
                    text,
                    parse_mode="HTML",
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    **self._timeouts,
                ),
            )
            progress[key] = sent.message_id
            await checkpoint()
        if "photo" not in progress:
            photo = InputFile(chart, filename=f"retention-digest-{digest.week}.png")
            sent = await self._call(
                "sendPhoto",
                bot.send_photo(
                    self.chat_id,
                    photo,
                    caption=photo_caption(digest),
                    parse_mode="HTML",
                    **self._timeouts,
                ),
            )
            progress["photo"] = sent.message_id
            await checkpoint()
        plural = "s" if len(messages) != 1 else ""
        return f"{len(messages)} message{plural} and the chart"

    @staticmethod
    async def _call(method: str, request: Awaitable[Message]) -> Message:
        """Await one Bot API call, its failure translated for the delivery ledger."""
        try:
            return await request
        except RetryAfter as error:  # what the rate limiter's own retries did not absorb
            raise TelegramPostError(
                f"{method}: {error.message}", retry_after=_seconds(error.retry_after)
            ) from error
        except PERMANENT_ERRORS as error:
            raise TelegramPostError(f"{method}: {error.message}", permanent=True) from error
        except TelegramError as error:  # NetworkError, TimedOut, ...: worth another try
            raise TelegramPostError(f"{method}: {type(error).__name__}: {error}") from error


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
