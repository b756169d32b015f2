"""The alert buttons: "I'll take it", "Contacted", "Resolved", and "Wrong tags" with its modal.

Every click is acknowledged at once; the lazy listener then checks the clicker is allowed,
applies the follow-up rules (`insights.follow_ups`: only the owner, or a follow-up
manager, moves a taken alert on) and queues the alert so its message is updated in place.
A refused click gets an ephemeral line saying why and who has it, seen only by the
clicker; the shared message does not change.

"Wrong tags" opens a modal listing every churn reason with the current ones selected;
its submission stores the staff's reasons through `insights.feedback.correct_reasons`
(kept through every later retag, and counted as a correction) and updates the message.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from handlers.slack import alert_blocks, blocks
from handlers.slack.access import REFUSAL
from handlers.slack.context import SlackContext
from handlers.slack.formatting import reason_words, user
from insights import follow_ups
from insights.feedback import correct_reasons
from insights.follow_ups import Action, Outcome, Refusal
from insights.tagging import REASON_KEYS
from storage.models import Answer, AnswerTag, FollowUp

log = logging.getLogger(__name__)
MODAL_CALLBACK = "alert_tags"
REASONS_BLOCK = "reasons"
REASONS_ACTION = "picked"
ACTIONS = {
    alert_blocks.TAKE_ACTION: Action.TAKE,
    alert_blocks.CONTACTED_ACTION: Action.CONTACTED,
    alert_blocks.RESOLVED_ACTION: Action.RESOLVED,
}


async def _ack(ack: AsyncAck) -> None:
    await ack()


def refusal_text(outcome: Outcome) -> str:
    refusal = outcome.decision.refusal
    owner = user(outcome.decision.state.assignee)
    if refusal is Refusal.OWNED_BY_OTHER:
        return (
            f"{owner} has this one, so only they (or a follow-up manager) can move it on. "
            "Ask them in a thread if you want to help."
        )
    if refusal is Refusal.ALREADY_RESOLVED:
        return f"This alert was already resolved by {owner}."
    if refusal is Refusal.NOT_FOUND:
        return "This alert no longer exists."
    return "Nothing to change: it is already at that step."


async def _say(respond: AsyncRespond, text: str) -> None:
    try:
        await respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception:
        log.exception("could not answer a click through its response_url")


def _follow_up_id(action: dict[str, Any]) -> int | None:
    value = str(action.get("value") or "")
    return int(value) if value.isdigit() else None


def _modal(follow_up_id: int, answer_id: int, text: str, current: list[str]) -> dict[str, Any]:
    keys = list(dict.fromkeys([*REASON_KEYS, *current]))
    options = [
        {"text": {"type": "plain_text", "text": blocks.cut(reason_words(k), 75)}, "value": k}
        for k in keys
    ][:100]
    element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": REASONS_ACTION,
        "placeholder": {"type": "plain_text", "text": "Pick the reasons"},
        "options": options,
    }
    initial = [o for o in options if o["value"] in current]
    if initial:
        element["initial_options"] = initial
    quote = blocks.cut(blocks.escape(" ".join(text.split())), 2900)
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "private_metadata": json.dumps({"follow_up": follow_up_id, "answer": answer_id}),
        "title": {"type": "plain_text", "text": "Correct the tags"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f">{quote}"}},
            {
                "type": "input",
                "block_id": REASONS_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Churn reasons in this answer"},
                "element": element,
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "Leave empty if it gives no reason. Your choice replaces the "
                        "rules' tags for this answer and is kept when the rules change.",
                    }
                ],
            },
        ],
    }


def register(app: AsyncApp, ctx: SlackContext) -> None:
    async def click(body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond) -> None:
        who = (body.get("user") or {}).get("id")
        if not await ctx.gatekeeper.allows(who):
            ctx.gatekeeper.log_refusal(who, f"alert button {action.get('action_id')}")
            await _say(respond, REFUSAL)
            return
        follow_up_id = _follow_up_id(action)
        kind = ACTIONS.get(str(action.get("action_id")))
        if follow_up_id is None or kind is None or who is None:
            await _say(respond, "That button is not one of mine.")
            return
        manager = who in ctx.managers
        now = ctx.clock()

        def work() -> Outcome:
            with ctx.factory() as session, session.begin():
                return follow_ups.apply(session, follow_up_id, kind, who, now, manager)

        outcome = await asyncio.to_thread(work)
        if not outcome.decision.changed:
            log.info(
                "alert %s: %s by %s refused (%s)", follow_up_id, kind, who, outcome.decision.refusal
            )
            await _say(respond, refusal_text(outcome))
            return
        log.info("alert %s: %s by %s -> %s", follow_up_id, kind, who, outcome.decision.state)
        if ctx.alerts is not None:
            ctx.alerts.submit(follow_up_id)

    async def wrong_tags(
        body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        who = (body.get("user") or {}).get("id")
        if not await ctx.gatekeeper.allows(who):
            ctx.gatekeeper.log_refusal(who, "alert button Wrong tags")
            await _say(respond, REFUSAL)
            return
        follow_up_id = _follow_up_id(action)
        if follow_up_id is None:
            await _say(respond, "That button is not one of mine.")
            return

        def current() -> tuple[int, str, list[str]] | None:
            with ctx.factory() as session:
                session_id = session.scalar(
                    select(FollowUp.session_id).where(FollowUp.id == follow_up_id)
                )
                if session_id is None:
                    return None
                answer = session.execute(
                    select(Answer.id, Answer.text)
                    .where(Answer.session_id == session_id, Answer.text.is_not(None))
                    .order_by(Answer.id)
                    .limit(1)
                ).first()
                if answer is None:
                    return None
                reasons = list(
                    session.scalars(
                        select(AnswerTag.reason).where(AnswerTag.answer_id == answer.id)
                    )
                )
                return int(answer.id), str(answer.text), reasons

        found = await asyncio.to_thread(current)
        if found is None:
            await _say(respond, "This alert has no written answer to tag.")
            return
        answer_id, text, reasons = found
        try:
            await client.views_open(
                trigger_id=body["trigger_id"], view=_modal(follow_up_id, answer_id, text, reasons)
            )
        except (SlackClientError, KeyError) as error:
            log.error("could not open the tags modal for alert %s: %s", follow_up_id, error)
            await _say(respond, "Sorry, I could not open the form. Please click again.")

    async def save_tags(body: dict[str, Any], view: dict[str, Any]) -> None:
        who = (body.get("user") or {}).get("id")
        if not await ctx.gatekeeper.allows(who) or who is None:
            ctx.gatekeeper.log_refusal(who, "tag correction")
            return
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            follow_up_id, answer_id = int(meta["follow_up"]), int(meta["answer"])
        except (ValueError, KeyError, TypeError):
            log.warning("tag correction with unreadable metadata from %s", who)
            return
        state = view.get("state", {}).get("values", {})
        picked = state.get(REASONS_BLOCK, {}).get(REASONS_ACTION, {})
        reasons = [o["value"] for o in picked.get("selected_options") or []]

        def work() -> bool:
            with ctx.factory() as session, session.begin():
                belongs = session.scalar(
                    select(Answer.id)
                    .join(FollowUp, FollowUp.session_id == Answer.session_id)
                    .where(Answer.id == answer_id, FollowUp.id == follow_up_id)
                )
                if belongs is None:
                    return False
                correct_reasons(session, answer_id, reasons, f"slack:{who}")
                return True

        if not await asyncio.to_thread(work):
            log.warning("tag correction by %s for an answer not on alert %s", who, follow_up_id)
            return
        log.info("alert %s: %s set the tags to %s", follow_up_id, who, reasons or "none")
        if ctx.alerts is not None:
            ctx.alerts.submit(follow_up_id)

    for action_id in ACTIONS:
        app.action(action_id)(ack=_ack, lazy=[click])
    app.action(alert_blocks.WRONG_TAGS_ACTION)(ack=_ack, lazy=[wrong_tags])
    app.view(MODAL_CALLBACK)(ack=_ack, lazy=[save_tags])
