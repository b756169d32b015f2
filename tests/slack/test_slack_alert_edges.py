"""The alert buttons and the Wrong tags form at their edges: ids that are no alert of ours,
reasons outside the taxonomy, and the order of storing and acknowledging."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from slack_fake_api import FakeSlackApi
from slack_people import ALERTS, ALLOWED, COLLEAGUE
from slack_requests import block_action_body, post, view_submission_body
from slack_seed import NOW
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.slack_app import SlackBot
from builders import answer, at, customer
from handlers.slack.alert_actions import GONE, GONE_FORM, UNKNOWN_REASON
from insights import follow_ups
from insights.tagging import REASON_KEYS
from storage.models import Answer, AnswerTag, FollowUp, TagCorrection

SLOW_COMMIT_SECONDS = 0.4


def seeded_alert(
    factory: sessionmaker[Session], text: str = "Way too expensive"
) -> tuple[int, int]:
    """An open detractor alert with a written answer: (follow-up id, answer id)."""
    with factory() as session, session.begin():
        who = customer(session, at(1), name="Northwind", external_id=f"n-{time.monotonic_ns()}")
        survey = answer(session, who, "nps", 3, NOW - timedelta(hours=1), text=text)
        follow_up_id, _ = follow_ups.open_alert(session, who.id, survey.id, "detractor", NOW)
        answer_id = session.scalar(
            select(Answer.id).where(Answer.session_id == survey.id, Answer.text.is_not(None))
        )
        assert answer_id is not None
        return follow_up_id, answer_id


def follow_up_row(factory: sessionmaker[Session], follow_up_id: int) -> tuple[str, str | None]:
    with factory() as session:
        row = session.get_one(FollowUp, follow_up_id)
        return row.status, row.assignee


def tags_and_corrections(factory: sessionmaker[Session], answer_id: int) -> tuple[list[str], int]:
    with factory() as session:
        tags = sorted(
            session.scalars(select(AnswerTag.reason).where(AnswerTag.answer_id == answer_id))
        )
        corrections = len(list(session.scalars(select(TagCorrection.id))))
        return tags, corrections


def picked(*values: Any) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": str(v)}, "value": v} for v in values]
    return {"reasons": {"picked": {"type": "multi_static_select", "selected_options": options}}}


def metadata(follow_up_id: object, answer_id: object) -> str:
    return json.dumps({"follow_up": follow_up_id, "answer": answer_id})


async def click(
    url: str, api: FakeSlackApi, action: str, value: str, key: str, user: str = ALLOWED
) -> None:
    body = block_action_body(action, value, user, ALERTS, api.response_url(key), "1700000000.1")
    response = await post(url, body)
    assert response.status_code == 200 and response.text == ""


# -- ids that are no alert of ours ------------------------------------------------------


BAD_IDS = ["9" * 40, str(2**63), "²", "１２", "-1", "0", " 1", "1e3", "", "0x10"]


async def test_button_values_that_are_no_alert_id_are_answered_and_change_nothing(
    slack_bot: SlackBot, slack_api: FakeSlackApi, factory: sessionmaker[Session], events_url: str
) -> None:
    follow_up_id, _ = seeded_alert(factory)
    for n, value in enumerate(BAD_IDS):
        for action in ("alert_take", "alert_wrong_tags"):
            await click(events_url, slack_api, action, value, f"{action}-{n}")
            said = await slack_api.wait_response(f"{action}-{n}")  # the 40 digits got none
            assert said["text"] == GONE, (value, said)
            assert said["response_type"] == "ephemeral"
    # 19 digits is the longest id there is; one that no alert has is just as gone.
    await click(events_url, slack_api, "alert_resolved", str(2**63 - 1), "max")
    assert (await slack_api.wait_response("max"))["text"] == GONE
    assert follow_up_row(factory, follow_up_id) == ("open", None)
    assert slack_api.calls_to("views.open") == []


@pytest.mark.parametrize(
    "meta",
    [
        metadata(10**40, 1),
        metadata("9" * 40, "1"),
        metadata(True, True),
        metadata(-1, 1),
        metadata(1.5, 1),
        "[" * 2000,
        "not json",
        json.dumps([1, 2]),
        "",
    ],
)
async def test_a_form_with_metadata_that_is_no_alert_is_refused_in_the_form(
    slack_bot: SlackBot, factory: sessionmaker[Session], events_url: str, meta: str
) -> None:
    _, answer_id = seeded_alert(factory)
    body = view_submission_body(COLLEAGUE, "alert_tags", meta, picked("price"))
    response = await post(events_url, body)
    assert response.status_code == 200
    assert response.json() == {"response_action": "errors", "errors": {"reasons": GONE_FORM}}
    assert tags_and_corrections(factory, answer_id) == ([], 0)


async def test_a_form_for_another_alerts_answer_is_refused(
    slack_bot: SlackBot, factory: sessionmaker[Session], events_url: str
) -> None:
    first, first_answer = seeded_alert(factory)
    _, other_answer = seeded_alert(factory, "Support is slow")
    body = view_submission_body(COLLEAGUE, "alert_tags", metadata(first, other_answer),
                                picked("support"))  # fmt: skip
    response = await post(events_url, body)
    assert response.json()["errors"] == {"reasons": GONE_FORM}
    assert tags_and_corrections(factory, other_answer) == ([], 0)
    assert tags_and_corrections(factory, first_answer) == ([], 0)


# -- reasons outside the taxonomy -------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        ("<script>alert(1)</script>",),
        ("x" * 500,),
        ("price", "<script>"),
        ("Price",),
        (" price",),
        ("price\u0000",),
        (17,),
        (None,),
        ({"value": "price"},),
    ],
    ids=["script", "500-chars", "one-bad-of-two", "case", "space", "nul", "int", "null", "dict"],
)
async def test_reasons_outside_the_taxonomy_are_refused_and_nothing_is_stored(
    slack_bot: SlackBot,
    slack_api: FakeSlackApi,
    factory: sessionmaker[Session],
    events_url: str,
    values: tuple[Any, ...],
) -> None:
    follow_up_id, answer_id = seeded_alert(factory)
    body = view_submission_body(COLLEAGUE, "alert_tags", metadata(follow_up_id, answer_id),
                                picked(*values))  # fmt: skip
    response = await post(events_url, body)
    assert response.status_code == 200
    assert response.json() == {"response_action": "errors", "errors": {"reasons": UNKNOWN_REASON}}
    assert tags_and_corrections(factory, answer_id) == ([], 0)


@pytest.mark.parametrize(
    "state",
    [
        {"reasons": {"picked": {"selected_options": "price"}}},
        {"reasons": {"picked": {"selected_options": [{"text": "no value"}]}}},
        {"reasons": {"picked": "price"}},
        {"reasons": ["price"]},
        "not an object",
    ],
)
async def test_a_form_state_of_the_wrong_shape_is_refused(
    slack_bot: SlackBot, factory: sessionmaker[Session], events_url: str, state: Any
) -> None:
    follow_up_id, answer_id = seeded_alert(factory)
    body = view_submission_body(COLLEAGUE, "alert_tags", metadata(follow_up_id, answer_id), state)
    response = await post(events_url, body)
    assert response.json()["errors"] == {"reasons": UNKNOWN_REASON}
    assert tags_and_corrections(factory, answer_id) == ([], 0)


async def test_taxonomy_reasons_are_stored_once_each_and_the_form_offers_only_them(
    slack_bot: SlackBot, slack_api: FakeSlackApi, factory: sessionmaker[Session], events_url: str
) -> None:
    follow_up_id, answer_id = seeded_alert(factory)
    await click(events_url, slack_api, "alert_wrong_tags", str(follow_up_id), "form")
    (opened,) = await slack_api.wait_calls("views.open", 1)
    offered = [o["value"] for o in opened.params["view"]["blocks"][1]["element"]["options"]]
    assert offered == list(REASON_KEYS)
    body = view_submission_body(COLLEAGUE, "alert_tags", opened.params["view"]["private_metadata"],
                                picked("price", "bugs", "price"))  # fmt: skip
    response = await post(events_url, body)
    assert response.status_code == 200 and response.text == ""
    assert tags_and_corrections(factory, answer_id) == (["bugs", "price"], 1)


# -- stored first, acknowledged after ----------------------------------------------------


@pytest.fixture
def slow_commits(engine: Engine) -> Any:
    """Every commit of the bot's database waits a while before it happens: an answer that
    arrives before the commit shows up as the old state."""

    def wait(connection: Any) -> None:
        time.sleep(SLOW_COMMIT_SECONDS)

    event.listen(engine, "commit", wait)
    yield
    event.remove(engine, "commit", wait)


async def test_a_click_is_committed_before_slack_is_answered(
    slack_bot: SlackBot,
    slack_api: FakeSlackApi,
    factory: sessionmaker[Session],
    events_url: str,
    slow_commits: None,
) -> None:
    follow_up_id, _ = seeded_alert(factory)
    await click(events_url, slack_api, "alert_take", str(follow_up_id), "take")
    # The 200 is Slack's "done": by then the click is in the database, not on its way.
    assert follow_up_row(factory, follow_up_id) == ("assigned", ALLOWED)


async def test_a_tag_correction_is_committed_before_the_form_closes(
    slack_bot: SlackBot, factory: sessionmaker[Session], events_url: str, slow_commits: None
) -> None:
    follow_up_id, answer_id = seeded_alert(factory)
    body = view_submission_body(COLLEAGUE, "alert_tags", metadata(follow_up_id, answer_id),
                                picked("competitor"))  # fmt: skip
    response = await post(events_url, body)
    assert response.status_code == 200 and response.text == ""
    assert tags_and_corrections(factory, answer_id) == (["competitor"], 1)
