"""Requests exactly as Slack sends them: form-encoded, signed with the signing secret.

A slash command is `application/x-www-form-urlencoded` fields; an interaction (button,
modal submission) is one form field `payload` holding JSON. Both carry
`X-Slack-Request-Timestamp` and `X-Slack-Signature` = `v0=` HMAC-SHA256 of
`v0:<timestamp>:<body>` (slack_sdk's `SignatureVerifier.generate_signature`).
"""

from __future__ import annotations

import json
import time
from itertools import count
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

SECRET = "5f3a9c1e7b2d4f60a8e1c3b5d7f90a2b"
TEAM = {"id": "T0TEAM0001", "domain": "test"}
APP_ID = "A0APP00001"
_ids = count(1)


def signature_headers(
    body: str, secret: str = SECRET, timestamp: int | None = None
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }


def command_body(text: str, user: str, channel: str, response_url: str) -> str:
    n = next(_ids)
    return urlencode(
        {
            "token": "verification-token-unused",
            "team_id": TEAM["id"],
            "team_domain": TEAM["domain"],
            "channel_id": channel,
            "channel_name": "retention",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/churn",
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{n}.1111.abcdef{n}",
        }
    )


def block_action_body(
    action_id: str,
    value: str,
    user: str,
    channel: str,
    response_url: str,
    message_ts: str | None = None,
    block_id: str = "b",
) -> str:
    """A button click; `message_ts=None` is a click on an ephemeral message."""
    n = next(_ids)
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message_ts or f"1700000000.{n:06d}",
        "channel_id": channel,
        "is_ephemeral": message_ts is None,
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM["id"]},
        "api_app_id": APP_ID,
        "token": "verification-token-unused",
        "container": container,
        "trigger_id": f"{n}.2222.fedcba{n}",
        "team": TEAM,
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "retention"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": action_id},
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    if message_ts is not None:
        payload["message"] = {"type": "message", "ts": message_ts, "text": "alert"}
    return urlencode({"payload": json.dumps(payload)})


def view_submission_body(
    user: str, callback_id: str, private_metadata: str, values: dict[str, Any]
) -> str:
    n = next(_ids)
    payload = {
        "type": "view_submission",
        "team": TEAM,
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM["id"]},
        "api_app_id": APP_ID,
        "token": "verification-token-unused",
        "trigger_id": f"{n}.3333.abcabc{n}",
        "view": {
            "id": "V0VIEW0001",
            "team_id": TEAM["id"],
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
            "hash": "1700000000.abcdef",
            "app_id": APP_ID,
            "bot_id": "B0BOT00001",
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }
    return urlencode({"payload": json.dumps(payload)})


async def post(
    url: str, body: str, secret: str = SECRET, timestamp: int | None = None
) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(
            url, content=body, headers=signature_headers(body, secret, timestamp)
        )
