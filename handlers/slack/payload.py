"""Reading fields out of what Slack sends, without trusting its shape.

A signed request is Slack's, but its values are what people typed or what our own
buttons carried, and a listener that indexes `body["user"]["id"]` turns a surprising shape
into a 500 and a traceback. These read through dicts only and give None otherwise.
"""

from __future__ import annotations


def dig(data: object, *keys: str) -> object:
    """data[k1][k2]... through dicts only; None where the shape is not what Slack sends."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def text_at(data: object, *keys: str) -> str | None:
    """A non-empty string at that path, or None."""
    found = dig(data, *keys)
    return found if isinstance(found, str) and found else None


def user_of(body: object) -> str | None:
    """Who sent it: `user_id` of a slash command, `user.id` of an interaction."""
    return text_at(body, "user_id") or text_at(body, "user", "id")


def channel_of(body: object) -> str | None:
    """Where: `channel_id` of a command, `channel.id` or `container.channel_id` of a click."""
    return (
        text_at(body, "channel_id")
        or text_at(body, "channel", "id")
        or text_at(body, "container", "channel_id")
    )
