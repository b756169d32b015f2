"""Deep-link tokens that bind a Telegram chat to a customer.

A bot cannot write first, so each customer gets a link `https://t.me/<bot>?start=<token>`
(by email, in the app). The token says which customer, when it was issued and until when
it is valid, and carries an HMAC-SHA256 tag over those fields keyed with LINK_SECRET:
altering any byte, or minting a token for another customer, needs the secret. It is 44
characters of base64url, inside Telegram's limit for start parameters (64 characters of
A-Z, a-z, 0-9, _ and -).

The issue time lets the binding rule refuse a stale link: once a customer is bound, only a
link issued after that binding can move them to another chat, and after /forget only a
link issued after it binds at all (see `surveys.accounts.bind_chat`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from surveys.errors import InvalidLink

_VERSION = 1
_LAYOUT = struct.Struct(">BQII")  # version, customer id, issued, expires (unix seconds)
_TAG_BYTES = 16  # 128-bit tag: forging one is 2^128 guesses
_DOMAIN = b"retention-bot/telegram-link\x00"
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_TOKEN_LENGTH = 64


@dataclass(frozen=True, slots=True)
class LinkClaim:
    customer_id: int
    issued_at: datetime
    expires_at: datetime


def _tag(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), _DOMAIN + payload, hashlib.sha256).digest()[:_TAG_BYTES]


def issue_token(secret: str, customer_id: int, now: datetime, ttl: timedelta) -> str:
    issued = int(now.timestamp())
    payload = _LAYOUT.pack(_VERSION, customer_id, issued, issued + int(ttl.total_seconds()))
    token = base64.urlsafe_b64encode(payload + _tag(secret, payload)).rstrip(b"=").decode()
    assert len(token) <= MAX_TOKEN_LENGTH
    return token


def verify_token(secret: str, token: str, now: datetime) -> LinkClaim:
    """The claim a genuine, unexpired token makes; InvalidLink otherwise."""
    if not TOKEN_PATTERN.fullmatch(token):
        raise InvalidLink("malformed")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise InvalidLink("malformed") from None
    if len(raw) != _LAYOUT.size + _TAG_BYTES:
        raise InvalidLink("malformed")
    payload, tag = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
    if not hmac.compare_digest(tag, _tag(secret, payload)):
        raise InvalidLink("forged")
    version, customer_id, issued, expires = _LAYOUT.unpack(payload)
    if version != _VERSION:
        raise InvalidLink("malformed")
    if now.timestamp() >= expires:
        raise InvalidLink("expired")
    return LinkClaim(
        customer_id=customer_id,
        issued_at=datetime.fromtimestamp(issued, UTC),
        expires_at=datetime.fromtimestamp(expires, UTC),
    )


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"
