"""Property-based: whatever Slack signs and sends, /slack/events never answers 5xx and
nothing it starts logs a traceback.

Signed requests, exactly as Slack sends them, with arbitrary values where people's typing
or our own buttons put values: the `/churn` text, button ids and values, the Wrong tags
form's metadata and picked options, and payloads of any shape. Each example waits until
the work the request started (bolt's lazy listeners, the alert update) has finished, then
looks at what was logged meanwhile. Examples are few and the deadline off: this runs in CI
(SLACK_FUZZ_EXAMPLES=500 for a longer look).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_fake_api import FakeSlackApi
from slack_people import ALERTS, ALLOWED, STRANGER
from slack_requests import block_action_body, command_body, post, view_submission_body
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.slack_app import SlackBot
from handlers.slack import alert_blocks
from handlers.slack.alert_actions import MODAL_CALLBACK
from handlers.slack.churn_command import FAILED, PICK_ACTION, SHARE_ACTION
from insights.tagging import REASON_KEYS
from storage.models import AnswerTag

FUZZ = settings(
    max_examples=int(os.environ.get("SLACK_FUZZ_EXAMPLES", "25")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SETTLE_SECONDS = 10.0

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
ids = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(alphabet="0123456789²١１", min_size=0, max_size=45),
    st.text(max_size=60),
)
users = st.one_of(st.sampled_from([ALLOWED, STRANGER]), st.text(max_size=20))
BUTTONS = [
    alert_blocks.TAKE_ACTION,
    alert_blocks.CONTACTED_ACTION,
    alert_blocks.RESOLVED_ACTION,
    alert_blocks.WRONG_TAGS_ACTION,
    SHARE_ACTION,
    PICK_ACTION,
]
words = st.sampled_from(["", "summary", "at-risk", "reasons", "customer", "help", "plan:", "7d"])
churn_texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(words, st.text(max_size=12)), max_size=5).map(" ".join),
)


@pytest.fixture
def log_records(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    caplog.set_level(logging.INFO)
    yield caplog.records


async def settled(before: set[asyncio.Task[Any]]) -> None:
    """Wait for every task started since `before` (bolt's listeners, their follow-ups)."""
    deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
    current = asyncio.current_task()
    while asyncio.get_running_loop().time() < deadline:
        pending = [t for t in asyncio.all_tasks() if t not in before and t is not current]
        if not pending:
            return
        await asyncio.wait(pending, timeout=0.1)
    raise AssertionError(f"work still running after {SETTLE_SECONDS} s: {pending}")


def no_traceback(records: list[logging.LogRecord], what: object) -> None:
    for record in records:
        assert not record.exc_info, (what, record.getMessage()[:300])
        assert "Traceback" not in record.getMessage(), (what, record.getMessage()[:300])
        assert not record.getMessage().startswith("Failed to run"), (what, record.getMessage())


async def send(url: str, body: str, records: list[logging.LogRecord], what: object) -> int:
    before, start = set(asyncio.all_tasks()), len(records)
    response = await post(url, body)
    assert response.status_code < 500, (what, response.status_code, response.text[:200])
    await settled(before)
    no_traceback(records[start:], what)
    return response.status_code


@FUZZ
@given(text=churn_texts, user=users)
async def test_churn_with_any_text_answers_in_words(
    events_url: str,
    slack_api: FakeSlackApi,
    log_records: list[logging.LogRecord],
    text: str,
    user: str,
) -> None:
    key = f"fuzz-{len(slack_api.responses)}"
    body = command_body(text, user, ALERTS, slack_api.response_url(key))
    assert await send(events_url, body, log_records, text) == 200
    (answer,) = slack_api.responses_to(key)  # never silence
    assert answer["text"] != FAILED, text


@FUZZ
@given(action=st.one_of(st.sampled_from(BUTTONS), st.text(max_size=30)), value=ids, user=users)
async def test_buttons_with_any_value_never_fail(
    slack_bot: SlackBot,
    events_url: str,
    slack_api: FakeSlackApi,
    log_records: list[logging.LogRecord],
    action: str,
    value: str,
    user: str,
) -> None:
    key = f"fuzz-{len(slack_api.responses)}"
    body = block_action_body(action, value, user, ALERTS, slack_api.response_url(key), "1.2")
    await send(events_url, body, log_records, (action, value, user))


def _options(values: list[Any]) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": "x"}, "value": v} for v in values]
    return {"reasons": {"picked": {"type": "multi_static_select", "selected_options": options}}}


@FUZZ
@given(
    metadata=st.one_of(
        st.text(max_size=80),
        st.fixed_dictionaries({"follow_up": json_values, "answer": json_values}).map(json.dumps),
        st.tuples(ids, ids).map(lambda p: json.dumps({"follow_up": p[0], "answer": p[1]})),
    ),
    picked=st.lists(st.one_of(st.sampled_from(REASON_KEYS), json_values), max_size=4),
    user=users,
)
async def test_the_tags_form_with_any_values_stores_only_taxonomy_reasons(
    slack_bot: SlackBot,
    events_url: str,
    factory: sessionmaker[Session],
    log_records: list[logging.LogRecord],
    metadata: str,
    picked: list[Any],
    user: str,
) -> None:
    body = view_submission_body(user, MODAL_CALLBACK, metadata, _options(picked))
    assert await send(events_url, body, log_records, (metadata, picked)) == 200
    with factory() as session:
        stored = set(session.scalars(select(AnswerTag.reason)))
    assert stored <= set(REASON_KEYS)


PAYLOAD_FIELDS = [
    "user", "actions", "view", "team", "channel", "container", "event", "message", "enterprise",
    "callback_id", "action_id", "value", "trigger_id", "response_url", "authorizations",
    "api_app_id",
]  # fmt: skip
payload_types = st.sampled_from(
    ["block_actions", "view_submission", "view_closed", "block_suggestion", "shortcut",
     "message_action", "interactive_message", "dialog_submission", "event_callback"]
)  # fmt: skip


def _objects(keys: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts with some of `keys`, each of its own strategy or any JSON value."""
    return st.fixed_dictionaries(
        {}, optional={k: st.one_of(v, json_values) for k, v in keys.items()}
    )


ours = st.one_of(st.sampled_from(BUTTONS), st.text(max_size=20))
actions = st.lists(
    _objects({"action_id": ours, "block_id": st.text(max_size=10), "value": ids,
              "type": st.just("button")}),
    max_size=2,
)  # fmt: skip
views = _objects(
    {"callback_id": st.sampled_from([MODAL_CALLBACK, "other"]), "private_metadata": ids,
     "state": json_values, "type": st.just("modal")}
)  # fmt: skip
shaped = {"actions": actions, "view": views, "user": _objects({"id": users})}


@FUZZ
@given(
    kind=payload_types,
    fields=st.dictionaries(st.sampled_from(PAYLOAD_FIELDS), json_values, max_size=6),
    known=st.fixed_dictionaries({}, optional=shaped),
)
async def test_payloads_of_any_shape_are_never_a_500(
    slack_bot: SlackBot,
    events_url: str,
    log_records: list[logging.LogRecord],
    kind: str,
    fields: dict[str, Any],
    known: dict[str, Any],
) -> None:
    payload = {"type": kind, **fields, **known}
    body = f"payload={quote(json.dumps(payload))}"
    await send(events_url, body, log_records, payload)
