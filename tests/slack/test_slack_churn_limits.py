"""`/churn` text at its limits: too long, control characters, impossible periods, buttons
whose value is not one we made. Each gets a short answer in words, never silence, never a
failed query, and the log holds sizes, not the text."""

from __future__ import annotations

import logging

import pytest
from slack_fake_api import FakeSlackApi
from slack_messages import ask, text_of
from slack_people import ALERTS, ALLOWED
from slack_requests import block_action_body, command_body, post

from handlers.slack.churn_command import FAILED, PICK_ACTION, SHARE_ACTION

RUN = "Nøkkel-ABC-"  # repeated to make the long texts; never to be found in the log


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return caplog.text + "".join(str(r.exc_text or "") for r in caplog.records)


@pytest.mark.parametrize("length", [201, 4000, 100_000])
async def test_text_over_200_characters_gets_one_line_and_is_not_logged(
    events_url: str, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture, length: int
) -> None:
    """100 KB of customer name was "LIKE pattern too complex" on SQLite, logged whole."""
    caplog.set_level(logging.DEBUG)
    text = "customer " + (RUN * length)[: length - len("customer ")]
    answer, took = await ask(events_url, slack_api, text)
    assert answer["text"] == (
        f"`/churn` takes at most 200 characters; that was {length:,}. Try `/churn help`."
    )
    assert not answer.get("blocks")  # one line, not the help page
    assert took < 3
    assert RUN * 3 not in _logged(caplog)


async def test_200_characters_are_a_query(events_url: str, slack_api: FakeSlackApi) -> None:
    text = "customer " + (RUN * 20)[:191]
    assert len(text) == 200
    answer, _ = await ask(events_url, slack_api, text)
    assert "at most 200 characters" not in answer["text"]
    assert answer["text"] != FAILED


async def test_a_megabyte_command_is_refused_unread(
    events_url: str, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = command_body("customer " + RUN * 100_000, ALLOWED, ALERTS, slack_api.response_url("mb"))
    assert (await post(events_url, body)).status_code == 413
    assert RUN * 3 not in _logged(caplog)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("customer a\x00b", "control character"),  # PostgreSQL refuses a NUL in any string
        ("summary 9999-12-31..9999-12-31", "between the years 1900 and 2999"),
        ("reasons 0001-01-01..0001-01-02", "between the years 1900 and 2999"),
        ("9999-12-31..9999-12-31", "unknown subcommand"),
        ("at-risk ²", "takes a number"),
        ("at-risk ٣", "takes a number"),
    ],
)
async def test_text_no_query_can_answer_is_a_usage_error(
    events_url: str,
    slack_api: FakeSlackApi,
    caplog: pytest.LogCaptureFixture,
    text: str,
    says: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    answer, _ = await ask(events_url, slack_api, text)
    assert says in text_of(answer), text_of(answer)
    assert "/churn summary" in text_of(answer)  # with the help
    assert not any(r.exc_info for r in caplog.records)


@pytest.mark.parametrize(
    "value", ["²7 summary", "9" * 40 + " summary 7d", "1700000000 " + "x" * 5000, "", "abc"]
)
@pytest.mark.parametrize("action", [SHARE_ACTION, PICK_ACTION])
async def test_a_button_value_we_never_made_is_answered_without_a_traceback(
    events_url: str,
    slack_api: FakeSlackApi,
    caplog: pytest.LogCaptureFixture,
    action: str,
    value: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    key = f"{action}-{len(value)}"
    body = block_action_body(action, value, ALLOWED, ALERTS, slack_api.response_url(key))
    assert (await post(events_url, body)).status_code == 200
    said = await slack_api.wait_response(key)
    assert said["text"].startswith("Sorry, ") and said["text"] != FAILED
    assert not any(r.exc_info for r in caplog.records)
    assert "x" * 100 not in _logged(caplog)
