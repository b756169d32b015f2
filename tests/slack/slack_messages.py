"""Reading what the app sent: the text of a Block Kit message, and one /churn round trip."""

from __future__ import annotations

import time
from itertools import count
from typing import Any

from slack_fake_api import FakeSlackApi
from slack_people import ALERTS, ALLOWED
from slack_requests import command_body, post

_keys = count(1)


def text_of(message: dict[str, Any]) -> str:
    """Every piece of text in a message's blocks, in order."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks") or [])
    return "\n".join(parts)


async def ask(
    url: str, api: FakeSlackApi, text: str, user: str = ALLOWED, channel: str = ALERTS
) -> tuple[dict[str, Any], float]:
    """Run `/churn text`; the answer posted to the response_url and the seconds it took."""
    key = f"cmd{next(_keys)}"
    started = time.monotonic()
    response = await post(url, command_body(text, user, channel, api.response_url(key)))
    assert response.status_code == 200
    assert response.text == ""  # the ack is empty: the answer comes through response_url
    answer = await api.wait_response(key, timeout=5)
    return answer, time.monotonic() - started
