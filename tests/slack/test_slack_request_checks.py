"""What reaches /slack/events without Slack's signature: refused (401/413/400), never a
500, and never written to the log with its body."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from urllib.parse import urlencode

import httpx
import pytest
from slack_fake_api import FakeSlackApi
from slack_people import ALERTS, ALLOWED
from slack_requests import SECRET, block_action_body, command_body, post, signature_headers

from handlers.slack.events_http import MAX_BODY_BYTES

MARKER = "Qz7-not-for-the-log-"


@pytest.fixture
def database_url(tmp_path: object) -> str:
    """No storage is involved in refusing a request: SQLite only."""
    return f"sqlite:///{tmp_path}/test.db"


def signed_bytes(body: bytes, secret: str = SECRET, stamp: str | None = None) -> dict[str, str]:
    """Slack's headers for a body that need not be text."""
    stamp = stamp or str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }


def _help(slack_api: FakeSlackApi) -> str:
    return command_body("help", ALLOWED, ALERTS, slack_api.response_url("help"))


@pytest.mark.parametrize(
    ("stamp", "signature"),
    [
        ("abc", None),  # was a 500: bolt's int() of the timestamp
        ("", None),
        ("1e9", None),
        ("٣٣٣٣٣٣٣٣٣٣", None),  # digits, but not ASCII ones
        ("9" * 40, None),
        ("-600", None),  # ten minutes old (from now, when the test runs), correctly signed
        ("+600", None),  # ten minutes ahead
        (None, "v0=abc"),
        (None, "v1=" + "0" * 64),
        (None, "v0=" + "G" * 64),
        (None, ""),
    ],
)
async def test_garbage_signature_headers_are_401(
    events_url: str, slack_api: FakeSlackApi, stamp: str | None, signature: str | None
) -> None:
    body = _help(slack_api)
    if stamp is not None and stamp.startswith(("+", "-")) and stamp[1:].isdigit():
        stamp = str(int(time.time()) + int(stamp))
    numeric = stamp is not None and stamp.isascii() and stamp.isdigit() and len(stamp) < 12
    signed_stamp = int(stamp) if stamp is not None and numeric else None
    headers: dict[str, str | bytes] = dict(signature_headers(body, timestamp=signed_stamp))
    if stamp is not None and not numeric:
        headers["X-Slack-Request-Timestamp"] = stamp.encode()  # as sent: maybe not ASCII
    if signature is not None:
        headers["X-Slack-Signature"] = signature
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(events_url, content=body, headers=headers)
    assert response.status_code == 401, response.text
    assert slack_api.responses_to("help") == []


@pytest.mark.parametrize("missing", ["X-Slack-Request-Timestamp", "X-Slack-Signature"])
async def test_a_missing_header_is_401(
    events_url: str, slack_api: FakeSlackApi, missing: str
) -> None:
    body = _help(slack_api)
    headers = signature_headers(body)
    del headers[missing]
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(events_url, content=body, headers=headers)
    assert response.status_code == 401


async def test_a_wrong_secret_is_401_and_the_body_is_not_logged(
    events_url: str, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = command_body(MARKER * 500, ALLOWED, ALERTS, slack_api.response_url("forged"))
    response = await post(events_url, body, secret="not-the-signing-secret")
    assert response.status_code == 401
    assert slack_api.responses_to("forged") == []
    assert any("does not match SLACK_SIGNING_SECRET" in r.getMessage() for r in caplog.records)
    assert MARKER not in caplog.text, "the forged body reached the log"


async def test_a_body_over_the_limit_is_413_even_when_signed(
    events_url: str, slack_api: FakeSlackApi
) -> None:
    body = command_body("x" * MAX_BODY_BYTES, ALLOWED, ALERTS, slack_api.response_url("big"))
    response = await post(events_url, body)
    assert response.status_code == 413
    assert slack_api.responses_to("big") == []


async def test_a_signed_body_at_the_limit_is_read(events_url: str, slack_api: FakeSlackApi) -> None:
    head = command_body("help", ALLOWED, ALERTS, slack_api.response_url("full"))
    body = head + "&padding=" + "p" * (MAX_BODY_BYTES - len(head) - len("&padding="))
    assert len(body.encode()) == MAX_BODY_BYTES
    assert (await post(events_url, body)).status_code == 200
    answer = await slack_api.wait_response("full")
    assert "/churn" in answer["blocks"][0]["text"]["text"]


@pytest.mark.parametrize(
    "body",
    [
        b"payload=%7Bnot+json",  # was a 500: bolt's json.loads in its request constructor
        b"payload=%5B1%2C2%5D",  # JSON, but a list
        b"\xff\xfe not utf-8",
        b"payload=" + b"%5B" * 5000,  # deeply nested
    ],
)
async def test_a_signed_body_bolt_cannot_read_is_400(
    events_url: str, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(events_url, content=body, headers=signed_bytes(body))
    assert response.status_code == 400
    assert not any(r.exc_info for r in caplog.records)


async def test_bolts_own_log_lines_are_cut_to_size(
    events_url: str, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    """A signed click on a button no listener has: bolt warns "unhandled request" with the
    action id in it; the id is up to the body limit, the log line is not."""
    caplog.set_level(logging.DEBUG)
    action_id = MARKER * 5000  # 100 KB
    body = block_action_body(action_id, "1", ALLOWED, ALERTS, slack_api.response_url("u"))
    response = await post(events_url, body)
    assert response.status_code == 404  # bolt: no listener for it
    bolt = [r for r in caplog.records if r.name.startswith("slack_bolt")]
    assert any("Unhandled request" in r.getMessage() for r in bolt), [r.msg for r in bolt]
    assert all(len(r.getMessage()) < 1000 for r in caplog.records)
    assert len(caplog.text) < 20_000


async def test_a_form_with_a_payload_of_the_wrong_shape_is_not_a_500(events_url: str) -> None:
    body = urlencode({"payload": '{"type": "block_actions", "actions": "x", "user": 5}'})
    response = await post(events_url, body)
    assert response.status_code < 500
