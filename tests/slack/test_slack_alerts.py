"""Real-time alerts: answers through the real survey service and its AnswerHooks, an alert
in the alerts channel (once per survey session, updated in place), and its buttons."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from slack_fake_api import FakeSlackApi
from slack_messages import text_of
from slack_people import ALERTS, ALLOWED, COLLEAGUE, MANAGER
from slack_requests import block_action_body, post, view_submission_body
from slack_surveys import Respondent, offers
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.slack_app import SlackBot
from insights.tagging import RulesError, Tagger
from storage.models import AnswerTag, TagCorrection
from surveys.hooks import AnswerHooks


@pytest.fixture
def hooks(slack_bot: SlackBot) -> AnswerHooks:
    hooks = AnswerHooks()
    slack_bot.register_alert_listeners(hooks)
    return hooks


async def settled(bot: SlackBot) -> None:
    assert bot.sender is not None
    await bot.sender.idle()


def only_message(api: FakeSlackApi) -> tuple[str, dict[str, Any]]:
    assert len(api.messages) == 1, api.messages
    ((ts, message),) = api.messages.items()
    return ts, message


async def message_saying(api: FakeSlackApi, words: str, timeout: float = 5.0) -> dict[str, Any]:
    """The alert message once its text holds `words` (updates arrive after the click)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        _, message = only_message(api)
        if words in text_of(message):
            return message
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{words!r} not in the alert: {text_of(message)}")
        await asyncio.sleep(0.01)


async def click(
    url: str, api: FakeSlackApi, action: str, follow_up_id: int, user: str, ts: str, key: str
) -> None:
    body = block_action_body(
        action,
        str(follow_up_id),
        user,
        ALERTS,
        api.response_url(key),
        message_ts=ts,
        block_id=f"alert:{follow_up_id}",
    )
    response = await post(url, body)
    assert response.status_code == 200 and response.text == ""


async def test_detractor_alert_once_per_session_updated_as_the_comment_arrives(
    slack_bot: SlackBot, hooks: AnswerHooks, slack_api: FakeSlackApi, factory: sessionmaker[Session]
) -> None:
    customer = Respondent(factory, hooks, chat_id=7001, name="Northwind", mrr="250")
    session_id = customer.open_survey("nps")

    await customer.tap(session_id, "score", "3")
    await settled(slack_bot)
    ts, message = only_message(slack_api)
    assert message["channel"] == ALERTS
    text = text_of(message)
    assert "NPS detractor" in text and "*Northwind* (`tg-7001`)" in text
    assert "MRR *250.00*" in text and "NPS *3*/10" in text
    assert "No comment yet" in text
    assert "Churn risk *" in text
    assert "Open" in text

    await customer.write("Support never answers and we are moving to a competitor")
    await settled(slack_bot)
    assert len(slack_api.calls_to("chat.postMessage")) == 1  # one alert per session
    updates = slack_api.calls_to("chat.update")
    assert updates and all(u.params["ts"] == ts for u in updates)
    _, message = only_message(slack_api)
    text = text_of(message)
    assert ">Support never answers and we are moving to a competitor" in text
    assert "Tags: *Competitor, Support*" in text or "Tags: *Support, Competitor*" in text
    assert "Sentiment: negative" in text
    labels = [
        e["text"]["text"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert labels == ["I'll take it", "Contacted", "Resolved", "Wrong tags"]

    (follow_up,) = customer.follow_ups()
    assert (follow_up.kind, follow_up.alert_trigger, follow_up.status) == (
        "alert",
        "detractor",
        "open",
    )
    assert (follow_up.post_destination, follow_up.post_ref, follow_up.session_id) == (
        ALERTS,
        ts,
        session_id,
    )


async def test_buttons_assign_and_only_the_owner_moves_it_on(
    slack_bot: SlackBot,
    hooks: AnswerHooks,
    slack_api: FakeSlackApi,
    factory: sessionmaker[Session],
    events_url: str,
) -> None:
    customer = Respondent(factory, hooks, chat_id=7002)
    session_id = customer.open_survey("csat")
    await customer.tap(session_id, "score", "1")
    await settled(slack_bot)
    ts, message = only_message(slack_api)
    assert "Low CSAT" in text_of(message) and "CSAT *1*/5" in text_of(message)
    (follow_up,) = customer.follow_ups()

    await click(events_url, slack_api, "alert_take", follow_up.id, ALLOWED, ts, "take")
    await message_saying(slack_api, f"<@{ALLOWED}> has it")

    # A colleague's click on the taken alert: refused, told who has it, nothing changes.
    for action in ("alert_take", "alert_contacted", "alert_resolved"):
        await click(events_url, slack_api, action, follow_up.id, COLLEAGUE, ts, f"c-{action}")
        refused = await slack_api.wait_response(f"c-{action}")
        assert refused["response_type"] == "ephemeral" and refused["replace_original"] is False
        assert f"<@{ALLOWED}> has this one" in refused["text"]
    (row,) = customer.follow_ups()
    assert (row.status, row.assignee) == ("assigned", ALLOWED)

    await click(events_url, slack_api, "alert_contacted", follow_up.id, ALLOWED, ts, "contacted")
    await message_saying(slack_api, f"<@{ALLOWED}> contacted the customer")

    # A follow-up manager may close someone else's follow-up; it keeps its owner.
    await click(events_url, slack_api, "alert_resolved", follow_up.id, MANAGER, ts, "resolved")
    message = await message_saying(slack_api, f"Resolved by <@{ALLOWED}>")
    (row,) = customer.follow_ups()
    assert (row.status, row.assignee) == ("resolved", ALLOWED)
    assert row.contacted_at is not None and row.resolved_at is not None
    assert not any(b["type"] == "actions" for b in message["blocks"])  # no comment: no buttons

    await click(events_url, slack_api, "alert_take", follow_up.id, ALLOWED, ts, "late")
    assert "already resolved" in (await slack_api.wait_response("late"))["text"]


async def test_wrong_tags_opens_a_modal_and_stores_the_correction(
    slack_bot: SlackBot,
    hooks: AnswerHooks,
    slack_api: FakeSlackApi,
    factory: sessionmaker[Session],
    events_url: str,
) -> None:
    customer = Respondent(factory, hooks, chat_id=7003)
    session_id = customer.open_survey("nps")
    await customer.tap(session_id, "score", "4")
    await customer.write("Way too expensive for us")
    await settled(slack_bot)
    ts, message = only_message(slack_api)
    assert "Tags: *Price*" in text_of(message)
    (follow_up,) = customer.follow_ups()

    await click(events_url, slack_api, "alert_wrong_tags", follow_up.id, ALLOWED, ts, "tags")
    (opened,) = await slack_api.wait_calls("views.open", 1)
    view = opened.params["view"]
    assert opened.params["trigger_id"]
    assert view["callback_id"] == "alert_tags"
    select_menu = view["blocks"][1]["element"]
    assert [o["value"] for o in select_menu["initial_options"]] == ["price"]
    assert {o["value"] for o in select_menu["options"]} >= {"price", "billing", "competitor"}

    values = {
        "reasons": {
            "picked": {
                "type": "multi_static_select",
                "selected_options": [
                    {"text": {"type": "plain_text", "text": "Billing"}, "value": "billing"},
                    {"text": {"type": "plain_text", "text": "Competitor"}, "value": "competitor"},
                ],
            }
        }
    }
    body = view_submission_body(COLLEAGUE, "alert_tags", view["private_metadata"], values)
    response = await post(events_url, body)
    assert response.status_code == 200 and response.text == ""  # the modal closes
    text = text_of(await message_saying(slack_api, f"(corrected by <@{COLLEAGUE}>)"))
    assert "Tags: *Billing, Competitor*" in text or "Tags: *Competitor, Billing*" in text

    answer_id = json.loads(view["private_metadata"])["answer"]
    with factory() as session:
        (correction,) = session.scalars(select(TagCorrection))
        assert (correction.answer_id, correction.corrected_by) == (answer_id, f"slack:{COLLEAGUE}")
        assert (correction.reasons_before, correction.reasons_after) == (
            "price",
            "billing,competitor",
        )
        tags = session.execute(
            select(AnswerTag.reason, AnswerTag.source).where(AnswerTag.answer_id == answer_id)
        ).all()
        assert sorted(tags) == [("billing", "staff"), ("competitor", "staff")]


async def test_exit_interview_with_a_yes_to_the_save_offer_is_a_save_opportunity(
    slack_bot: SlackBot,
    hooks: AnswerHooks,
    slack_api: FakeSlackApi,
    factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    customer = Respondent(factory, hooks, chat_id=7004, save_offers=offers(tmp_path))
    session_id = customer.open_survey("exit")
    await customer.tap(session_id, "reason", "price")
    await settled(slack_bot)
    _, message = only_message(slack_api)
    assert "Exit interview" in text_of(message) and "main reason *Price*" in text_of(message)
    assert "Save opportunity" not in text_of(message)

    await customer.write("It just costs too much for a team of three")
    await customer.tap(session_id, "save_offer", "yes")
    await settled(slack_bot)
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    text = text_of(only_message(slack_api)[1])
    assert "Save opportunity" in text and "It just costs too much" in text
    (follow_up,) = customer.follow_ups()
    assert follow_up.alert_trigger == "exit"


@pytest.mark.parametrize(
    ("score", "comment", "trigger"),
    [
        ("8", "Fine, but we are moving to a competitor next month", "churn_intent"),
        ("9", "Great product, thanks", None),
        ("7", None, None),
    ],
)
async def test_churn_intent_alerts_and_happy_answers_do_not(
    slack_bot: SlackBot,
    hooks: AnswerHooks,
    slack_api: FakeSlackApi,
    factory: sessionmaker[Session],
    score: str,
    comment: str | None,
    trigger: str | None,
) -> None:
    customer = Respondent(factory, hooks, chat_id=7005)
    session_id = customer.open_survey("nps")
    await customer.tap(session_id, "score", score)
    if comment:
        await customer.write(comment)
    await settled(slack_bot)
    alerts = customer.follow_ups()
    if trigger is None:
        assert alerts == [] and slack_api.calls_to("chat.postMessage") == []
    else:
        assert [a.alert_trigger for a in alerts] == [trigger]
        assert "Says they may leave" in text_of(only_message(slack_api)[1])


async def test_broken_tagging_rules_do_not_silence_the_alert(
    slack_bot: SlackBot, slack_api: FakeSlackApi, factory: sessionmaker[Session]
) -> None:
    def broken() -> Tagger:
        raise RulesError("rules.toml: reason 'price': more than 400 alternatives")

    slack_bot.ctx.tagger = broken
    hooks = AnswerHooks()
    slack_bot.register_alert_listeners(hooks)
    customer = Respondent(factory, hooks, chat_id=7006)
    session_id = customer.open_survey("nps")
    await customer.tap(session_id, "score", "2")
    await customer.write("Too expensive")
    await settled(slack_bot)
    text = text_of(only_message(slack_api)[1])
    assert "NPS *2*/10" in text and ">Too expensive" in text and "Tags: *none*" in text
