"""Block Kit building blocks that keep every message within Slack's limits.

Slack rejects a message with more than 50 blocks, a section text over 3,000 characters,
a header over 150, a button label over 75 or a button value over 2,000 (`invalid_blocks`,
and the user sees nothing). So long content is never passed through raw: lists go through
`list_sections`, which packs items into as few sections as fit and ends with "…and N
more" when the message would grow past its block or character budget, and `finish` makes
the final cut (keeping the buttons at the end) for anything that still does not fit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
CONTEXT_CHARS = 2000  # per context element
BUTTON_TEXT_CHARS = 75
BUTTON_VALUE_CHARS = 2000
FALLBACK_CHARS = 3000  # the notification text: Slack truncates at 40,000, people at far less
# A soft budget for one answer: beyond this, a list is cut with "and N more" (reading a
# 100-screen message in Slack helps nobody; the CLI prints everything).
MESSAGE_CHARS = 12_000

Block = dict[str, Any]


def escape(text: str) -> str:
    """Slack's three control characters; everything else is literal in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": cut(text, HEADER_CHARS)}}


def section(mrkdwn: str, accessory: Block | None = None) -> Block:
    text = {"type": "mrkdwn", "text": cut(mrkdwn, SECTION_CHARS)}
    block: Block = {"type": "section", "text": text}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def fields_section(items: Sequence[str]) -> Block:
    """Up to ten short fields shown in two columns."""
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": cut(item, 2000)} for item in items[:10]],
    }


def context(mrkdwn: str) -> Block:
    element = {"type": "mrkdwn", "text": cut(mrkdwn, CONTEXT_CHARS)}
    return {"type": "context", "elements": [element]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str, action_id: str, value: str, style: str | None = None, confirm: Block | None = None
) -> Block:
    if len(value) > BUTTON_VALUE_CHARS:
        raise ValueError(f"button value of {len(value)} characters (Slack allows 2,000)")
    block: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": cut(text, BUTTON_TEXT_CHARS)},
        "action_id": action_id,
        "value": value,
    }
    if style is not None:
        block["style"] = style
    if confirm is not None:
        block["confirm"] = confirm
    return block


def actions(block_id: str, elements: Sequence[Block]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)[:25]}


def list_sections(
    items: Sequence[str],
    more: Callable[[int], str],
    max_blocks: int,
    max_chars: int = MESSAGE_CHARS,
) -> list[Block]:
    """Items packed into sections (an item is never split), then "…and N more" if cut.

    Uses at most `max_blocks` blocks, the note included, and about `max_chars` characters.
    """
    blocks: list[Block] = []
    current = ""
    used = shown = 0
    for item in items:
        entry = cut(item, SECTION_CHARS)
        if used + len(entry) > max_chars:
            break
        joined = f"{current}\n{entry}" if current else entry
        if len(joined) <= SECTION_CHARS:
            current = joined
        else:
            # Closing this section and opening another must leave room for the note.
            if len(blocks) + 3 > max_blocks:
                break
            blocks.append(section(current))
            current = entry
        used += len(entry) + 1
        shown += 1
    if current:
        blocks.append(section(current))
    left = len(items) - shown
    if left > 0:
        blocks.append(context(more(left)))
    return blocks


@dataclass
class SlackReply:
    """One message: the notification text and its blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def finish(self, tail: Sequence[Block] = ()) -> SlackReply:
        """The message with `tail` (buttons) appended, cut to Slack's block limit."""
        room = MAX_BLOCKS - len(tail)
        body = self.blocks
        if len(body) > room:
            dropped = len(body) - (room - 1)
            body = [*body[: room - 1], context(f"…and {dropped} more parts not shown.")]
        return SlackReply(cut(self.text, FALLBACK_CHARS), [*body, *tail])

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}
