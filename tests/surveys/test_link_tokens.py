"""Deep-link tokens: short, URL-safe, and impossible to forge, alter, reuse late or retarget."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from surveys.errors import InvalidLink
from surveys.linking import deep_link, issue_token, verify_token

SECRET = "k" * 16 + "0123456789abcdef"
NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)
TTL = timedelta(days=30)


@pytest.mark.parametrize("customer_id", [1, 42, 2**31, 2**63 - 1])
def test_round_trip_within_telegrams_limits(customer_id: int) -> None:
    token = issue_token(SECRET, customer_id, NOW, TTL)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", token)
    claim = verify_token(SECRET, token, NOW + timedelta(days=29))
    assert claim.customer_id == customer_id
    assert claim.issued_at == NOW and claim.expires_at == NOW + TTL
    assert deep_link("acme_bot", token) == f"https://t.me/acme_bot?start={token}"


def test_every_altered_character_is_refused() -> None:
    token = issue_token(SECRET, 7, NOW, TTL)
    alphabet = "AaZz09_-"
    for index in range(len(token)):
        for replacement in alphabet:
            if replacement == token[index]:
                continue
            altered = token[:index] + replacement + token[index + 1 :]
            with pytest.raises(InvalidLink):
                verify_token(SECRET, altered, NOW)


def test_a_token_for_another_customer_needs_the_secret() -> None:
    mine = issue_token(SECRET, 7, NOW, TTL)
    forged = issue_token("attacker-guess-" + "x" * 20, 8, NOW, TTL)
    with pytest.raises(InvalidLink) as error:
        verify_token(SECRET, forged, NOW)
    assert error.value.reason == "forged"
    assert verify_token(SECRET, mine, NOW).customer_id == 7


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "malformed"),
        ("abc", "malformed"),
        ("a" * 65, "malformed"),
        ("has space", "malformed"),
        ("x" * 44, "forged"),
        ("A" * 44, "forged"),
    ],
)
def test_garbage_is_refused(token: str, reason: str) -> None:
    with pytest.raises(InvalidLink) as error:
        verify_token(SECRET, token, NOW)
    assert error.value.reason == reason


def test_expired_tokens_are_refused() -> None:
    token = issue_token(SECRET, 7, NOW, TTL)
    verify_token(SECRET, token, NOW + TTL - timedelta(seconds=1))
    with pytest.raises(InvalidLink) as error:
        verify_token(SECRET, token, NOW + TTL)
    assert error.value.reason == "expired"
