"""The weekly digest in Slack: Block Kit rendering within Slack's limits, and the poster.

Rendering reads the digest's `document()` (the same wording as every other format) and
maps it to mrkdwn: a header, a context line, then one section block per part of the
digest (split if a part would pass 3,000 characters), never more than 50 blocks.

Posting is two steps, each remembered in `progress` once it succeeded so that a retry
after a failure repeats only what is missing: `chat.postMessage` with the blocks, then the
chart through the files upload flow (`files.getUploadURLExternal`, the upload itself,
`files.completeUploadExternal`, which shares it in the channel) that slack_sdk's
`files_upload_v2` performs. Self-contained but for the shared list of permanent Slack errors.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.post_errors import PostError
from handlers.slack.errors import PERMANENT_ERRORS
from insights.digest import Digest, Document, Line, Section, document, monthly
from insights.digest import numbers as fmt
from insights.digest.text import chat_entries, render_line

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
INDENT = "\u2003\u2003"  # em spaces: Slack keeps them, plain spaces may collapse


class SlackPostError(PostError):
    """A Slack call failed."""


def escape(text: str) -> str:
    """Slack's three control characters; everything else is literal in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mrkdwn(line: Line) -> str:
    return render_line(line, escape, ("*", "*"), ("_", "_"))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section_texts(section: Section) -> list[str]:
    """The section as mrkdwn, in pieces of at most SECTION_CHARS, cut between items."""
    lines = chat_entries(section, _mrkdwn, INDENT)
    pieces: list[str] = []
    current = f"*{escape(section.title)}*"
    for entry in lines:
        if len(current) + 1 + len(entry) > SECTION_CHARS:
            pieces.append(current)
            current = _cut(entry, SECTION_CHARS)
        else:
            current += "\n" + entry
    pieces.append(current)
    return pieces


def blocks_of(doc: Document) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(doc.title, HEADER_CHARS)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _mrkdwn(doc.subtitle)}]},
    ]
    for section in doc.sections:
        blocks.append({"type": "divider"})
        for text in _section_texts(section):
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if len(blocks) > MAX_BLOCKS:
        note = "_The digest was shortened to fit Slack; `retention-bot digest` prints it all._"
        blocks = blocks[: MAX_BLOCKS - 1]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return blocks


def render_blocks(digest: Digest) -> list[dict[str, Any]]:
    return blocks_of(document(digest))


def fallback_text(digest: Digest) -> str:
    """The notification line (and what screen readers get) for the Block Kit message."""
    current = digest.current
    week = f"Retention digest, week {digest.week.week} ({digest.week.span()})"
    if digest.monthly:
        week = monthly.headline(digest)
    if not digest.has_data:
        return f"{week}: no data for this {'month' if digest.monthly else 'week'}."
    parts = []
    if current.retention_rate is not None:
        parts.append(f"retention {fmt.pct(current.retention_rate)}")
    if current.churn_rate is not None:
        parts.append(f"churn {fmt.pct(current.churn_rate)} ({current.lost_customers:,} lost)")
    if current.nps is not None:
        parts.append(f"NPS {fmt.nps(current.nps)}")
    return f"{week}: " + ", ".join(parts) if parts else week


Checkpoint = Callable[[], Awaitable[None]]


class SlackDigestPoster:
    """Posts a digest to one channel; `destination` names it in the delivery ledger."""

    def __init__(self, token: str, channel: str, api_url: str, timeout: float) -> None:
        self.channel = channel
        self.destination = f"slack:{channel}"
        self._client = AsyncWebClient(
            token=token,
            base_url=api_url,
            timeout=max(1, math.ceil(timeout)),
            retry_handlers=[],  # the delivery loop retries, counts and records attempts
        )

    async def post(
        self,
        digest: Digest,
        chart: bytes,
        progress: MutableMapping[str, Any],
        checkpoint: Checkpoint,
    ) -> str:
        if "message_ts" not in progress:
            response = await self._call(
                "chat.postMessage",
                self._client.chat_postMessage(
                    channel=self.channel,
                    text=fallback_text(digest),
                    blocks=render_blocks(digest),
                    unfurl_links=False,
                    unfurl_media=False,
                ),
            )
            progress["message_ts"] = response["ts"]
            await checkpoint()
        if "chart_file" not in progress:
            name = f"retention-digest-{digest.week}.png"
            response = await self._call(
                "files_upload_v2",
                self._client.files_upload_v2(
                    channel=self.channel,
                    file=chart,
                    filename=name,
                    **_upload_texts(digest),
                ),
            )
            progress["chart_file"] = (response.get("file") or {}).get("id", "?")
            await checkpoint()
        return f"message {progress['message_ts']}, chart {progress['chart_file']}"

    async def _call(self, method: str, call: Awaitable[Any]) -> Any:
        try:
            return await call
        except SlackApiError as error:
            code = str(error.response.get("error", "unknown_error"))
            retry_after = None
            if code == "ratelimited":
                header = error.response.headers.get("Retry-After") or error.response.headers.get(
                    "retry-after"
                )
                retry_after = float(header) if header else None
            raise SlackPostError(
                f"{method}: {code}", permanent=code in PERMANENT_ERRORS, retry_after=retry_after
            ) from error
        except (TimeoutError, SlackClientError, aiohttp.ClientError) as error:
            raise SlackPostError(f"{method}: {type(error).__name__}: {error}") from error


def _upload_texts(digest: Digest) -> dict[str, str]:
    """The chart upload's title, alt text and comment, for the digest's edition."""
    if digest.monthly:
        caption = monthly.chart_caption(digest)
        return {"title": monthly.headline(digest), "alt_txt": caption, "initial_comment": caption}
    return {
        "title": f"Retention digest, week {digest.week.week}",
        "alt_txt": "NPS ± margin and churn over 8 weeks; why this week's leavers left",
        "initial_comment": (
            f"Week {digest.week.week} in a chart: NPS and churn over 8 weeks, "
            "and why this week's leavers left."
        ),
    }
