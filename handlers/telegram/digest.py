"""The weekly digest in Telegram: HTML messages for managers' chats, and the chart as a photo.

Rendering maps the digest's `document()` to Telegram's HTML subset (`<b>`, `<i>`), with
every piece of text escaped, and splits it into messages of at most 4,096 characters at
section (else item) boundaries, so no tag is ever cut in half.

Posting calls the Bot API directly with httpx (`sendMessage`, then `sendPhoto`): one call
per step, each remembered in `progress` once done, so a retry after a failure sends only
what is missing. The base URL and token are the ones the survey bot uses
(`TELEGRAM_API_BASE_URL` + `TELEGRAM_BOT_TOKEN`).
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx

from handlers.post_errors import PostError
from insights.digest import Digest, Document, Line, document
from insights.digest.text import chat_entries, render_line

MESSAGE_CHARS = 4096
CAPTION_CHARS = 1024
# Bot API answers another attempt cannot change: a refused request (bad markup, a chat
# that does not exist), a wrong token, a bot that was removed from the chat.
PERMANENT_STATUSES = frozenset({400, 401, 403, 404})


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
    caption = (
        f"<b>Week {digest.week.week} in a chart</b>: NPS and churn over 8 weeks, "
        "and this week's churn reasons."
    )
    return caption[:CAPTION_CHARS]


Checkpoint = Callable[[], Awaitable[None]]


class TelegramDigestPoster:
    """Posts a digest to one chat; `destination` names it in the delivery ledger."""

    def __init__(self, token: str, chat_id: int, api_base_url: str, timeout: float) -> None:
        self.chat_id = chat_id
        self.destination = f"telegram:{chat_id}"
        self._base = f"{api_base_url}{token}/"
        self._timeout = timeout

    async def post(
        self,
        digest: Digest,
        chart: bytes,
        progress: MutableMapping[str, Any],
        checkpoint: Checkpoint,
    ) -> str:
        messages = render_messages(digest)
        async with httpx.AsyncClient(base_url=self._base, timeout=self._timeout) as client:
            for index, text in enumerate(messages):
                key = f"message_{index}"
                if key in progress:
                    continue
                result = await self._call(
                    client,
                    "sendMessage",
                    json={
                        "chat_id": self.chat_id,
                        "text": text,
                        "parse_mode": "HTML",
                        "link_preview_options": {"is_disabled": True},
                    },
                )
                progress[key] = result.get("message_id")
                await checkpoint()
            if "photo" not in progress:
                result = await self._call(
                    client,
                    "sendPhoto",
                    data={
                        "chat_id": str(self.chat_id),
                        "caption": photo_caption(digest),
                        "parse_mode": "HTML",
                    },
                    files={"photo": (f"retention-digest-{digest.week}.png", chart, "image/png")},
                )
                progress["photo"] = result.get("message_id")
                await checkpoint()
        plural = "s" if len(messages) != 1 else ""
        return f"{len(messages)} message{plural} and the chart"

    async def _call(self, client: httpx.AsyncClient, method: str, **request: Any) -> Any:
        try:
            response = await client.post(method, **request)
        except httpx.HTTPError as error:
            raise TelegramPostError(f"{method}: {type(error).__name__}: {error}") from error
        try:
            body = response.json()
        except ValueError:
            raise TelegramPostError(
                f"{method}: HTTP {response.status_code}, not a Bot API answer"
            ) from None
        if response.status_code == 200 and body.get("ok"):
            return body.get("result") or {}
        description = str(body.get("description") or f"HTTP {response.status_code}")
        retry_after = (body.get("parameters") or {}).get("retry_after")
        raise TelegramPostError(
            f"{method}: {description}",
            permanent=response.status_code in PERMANENT_STATUSES,
            retry_after=float(retry_after) if retry_after is not None else None,
        )
