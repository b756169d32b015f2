"""The alert buttons: "I'll take it", "Contacted", "Resolved", and "Wrong tags" with its modal.

**Stored first, acted on after.** A click that changes a follow-up, and the modal's
submission that changes an answer's tags, are written to the database and committed
*before* the request is acknowledged; only then is the clicker told (an ephemeral line)
and the alert queued for its message to be updated. The order is the simplest one that
loses nothing: Slack does not resend an interaction, so if the acknowledgement came
first (as bolt's lazy listeners do) a process killed right after it would drop the
staff member's action with Slack showing it as accepted. Stored first, the worst a kill
can do is leave the message stale until its next change, or, if the commit itself is
cut off, show the clicker Slack's error so they click again. The listener is bolt's own
(not lazy) function: bolt answers the HTTP request the moment `ack()` is called and the
function goes on to respond and queue the update. The commit is one small
compare-and-set transaction, far inside Slack's three seconds; should the database be
slower than that, Slack shows the clicker an error while the change still commits, and a
second click says "already at that step".

The rules: the clicker must be allowed (`access.Gatekeeper`), and `insights.follow_ups`
decides (only the owner, or a follow-up manager, moves a taken alert on). A refused click
gets an ephemeral line saying why and who has it, seen only by the clicker; the shared
message does not change. Ids in button values and in the modal's metadata are read
strictly (`parse_id`: 1-19 ASCII digits within the 64-bit range); anything else, like an
id that is not or no longer in the database, is "This alert no longer exists."

"Wrong tags" opens a modal listing every churn reason of the taxonomy
(`insights.tagging.REASON_KEYS`) with the current ones selected; it changes nothing, so it
is acknowledged at once and the modal opened by a lazy listener. The submission is
checked before anything is stored: only reasons of the taxonomy are accepted, and
anything else (a value the form never offered) is refused in the modal itself, in words,
with nothing stored. The form names the reasons only the learned model found (no rule),
the likeliest to be wrong. Accepted reasons replace the rules' and the model's tags through
`insights.feedback.correct_reasons` (kept through every later retag, and counted as a
correction), and the message is updated.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack import alert_blocks, blocks
from handlers.slack.access import REFUSAL
from handlers.slack.context import SlackContext
from handlers.slack.formatting import reason_words, user
from handlers.slack.log_safety import bounded_logger, clip
from handlers.slack.payload import dig, user_of
from insights import alert_tags, follow_ups
from insights.follow_ups import Action, FollowUpOutcome, FollowUpRefusal
from insights.tagging import REASON_KEYS

log = bounded_logger(__name__)
MODAL_CALLBACK = "alert_tags"
REASONS_BLOCK = "reasons"
REASONS_ACTION = "picked"
ACTIONS = {
    alert_blocks.TAKE_ACTION: Action.TAKE,
    alert_blocks.CONTACTED_ACTION: Action.CONTACTED,
    alert_blocks.RESOLVED_ACTION: Action.RESOLVED,
}
TAXONOMY = frozenset(REASON_KEYS)
MAX_ID = 2**63 - 1  # the largest id a BIGINT (and SQLite's INTEGER) holds
_ID = re.compile(r"[0-9]{1,19}")
MAX_METADATA_CHARS = 3000  # Slack's limit for private_metadata
GONE = "This alert no longer exists."
GONE_FORM = "This alert no longer exists, so its tags cannot be changed."
NOT_ALLOWED_FORM = "Only the retention team can correct tags."
UNKNOWN_REASON = (
    "Only the churn reasons in this list can be saved; one of those sent is not one of "
    "them. Nothing was changed."
)


async def _ack(ack: AsyncAck) -> None:
    await ack()


def parse_id(value: object) -> int | None:
    """A database id from a button value or the modal's metadata, or None.

    A string of 1-19 ASCII digits (or a JSON integer) from 1 to 2**63-1. Anything else
    (`"²"`, which `str.isdigit` accepts and `int` refuses; 40 digits, which overflow
    SQLite's integers; `true`, which is an int to Python) is no id of ours.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _ID.fullmatch(value):
        value = int(value)
    if isinstance(value, int) and 1 <= value <= MAX_ID:
        return value
    return None


def refusal_text(outcome: FollowUpOutcome) -> str:
    refusal = outcome.decision.refusal
    owner = user(outcome.decision.state.assignee)
    if refusal is FollowUpRefusal.OWNED_BY_OTHER:
        return (
            f"{owner} has this one, so only they (or a follow-up manager) can move it on. "
            "Ask them in a thread if you want to help."
        )
    if refusal is FollowUpRefusal.ALREADY_RESOLVED:
        return f"This alert was already resolved by {owner}."
    if refusal is FollowUpRefusal.NOT_FOUND:
        return GONE
    return "Nothing to change: it is already at that step."


async def _say(respond: AsyncRespond, text: str) -> None:
    try:
        await respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception:
        log.exception("could not answer a click through its response_url")


def picked_reasons(view: object) -> list[str] | None:
    """The reasons picked in the modal, in order and once each; None when any is not a
    reason of the taxonomy (or the submission is not shaped as the form sends it).

    No reasons block at all, or no selected options, read as none picked: an emptied
    optional menu.
    """
    values = dig(view, "state", "values")
    if not isinstance(values, dict):
        return None
    block = values.get(REASONS_BLOCK, {})
    menu = block.get(REASONS_ACTION, {}) if isinstance(block, dict) else None
    if not isinstance(menu, dict):
        return None
    options = menu.get("selected_options")
    options = [] if options is None else options
    if not isinstance(options, list):
        return None
    keys = [dig(option, "value") for option in options]
    if not all(isinstance(key, str) and key in TAXONOMY for key in keys):
        return None
    return list(dict.fromkeys(str(key) for key in keys))


def _metadata_ids(view: object) -> tuple[int, int] | None:
    """(follow-up id, answer id) from the modal's private_metadata, or None."""
    raw = dig(view, "private_metadata")
    if not isinstance(raw, str) or len(raw) > MAX_METADATA_CHARS:
        return None
    try:
        meta = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    follow_up_id, answer_id = parse_id(dig(meta, "follow_up")), parse_id(dig(meta, "answer"))
    if follow_up_id is None or answer_id is None:
        return None
    return follow_up_id, answer_id


def _hint(by_model: list[str]) -> str:
    """The modal's footnote: what a choice does, and which reasons were the model's guess."""
    hint = (
        "Leave empty if it gives no reason. Your choice replaces the tags the rules and the "
        "learned model found for this answer, is kept when they change, and is learned from "
        "the next time the company model is trained."
    )
    if by_model:
        names = ", ".join(reason_words(k) for k in by_model)
        hint = f"Found by the learned model, not by a rule: {blocks.escape(names)}. " + hint
    return hint


def _modal(follow_up_id: int, found: alert_tags.TaggedAnswer) -> dict[str, Any]:
    answer_id, text, current = found.answer_id, found.text, found.reasons
    options = [
        {"text": {"type": "plain_text", "text": blocks.cut(reason_words(k), 75)}, "value": k}
        for k in REASON_KEYS
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
                        "text": _hint(found.by_model),
                    }
                ],
            },
        ],
    }


def _tag_form(ctx: SlackContext, follow_up_id: int) -> alert_tags.TaggedAnswer | str:
    """The answer and its current reasons for the modal, or what to tell the clicker."""
    with ctx.factory() as session:
        found = alert_tags.answer_of_alert(session, follow_up_id)
    if found == "no_alert":
        return GONE
    if found == "no_text":
        return "This alert has no written answer to tag."
    assert isinstance(found, alert_tags.TaggedAnswer)
    return found


def _store_tags(
    ctx: SlackContext, follow_up_id: int, answer_id: int, reasons: list[str], who: str
) -> bool:
    """Replace the answer's tags with the staff's, committed; False if it is not the alert's."""
    with ctx.factory() as session, session.begin():
        return alert_tags.correct_alert_tags(
            session, follow_up_id, answer_id, reasons, f"slack:{who}"
        )


def _register_step_buttons(app: AsyncApp, ctx: SlackContext) -> None:
    """ "I'll take it", "Contacted", "Resolved": the step is stored, then acknowledged."""

    async def click(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        who = user_of(body)
        if who is None or not await ctx.gatekeeper.allows(who):
            await ack()
            ctx.gatekeeper.log_refusal(who, f"alert button {clip(action.get('action_id'))}")
            await _say(respond, REFUSAL)
            return
        follow_up_id = parse_id(action.get("value"))
        kind = ACTIONS.get(str(action.get("action_id")))
        if follow_up_id is None or kind is None:
            await ack()
            log.info("alert button with no alert of ours (%s) from %s",
                     clip(action.get("value"), 30), who)  # fmt: skip
            await _say(respond, GONE)
            return
        manager = who in ctx.managers
        now = ctx.clock()

        def store() -> FollowUpOutcome:
            with ctx.factory() as session, session.begin():
                return follow_ups.apply(session, follow_up_id, kind, who, now, manager)

        outcome = await asyncio.to_thread(store)  # committed before Slack hears back
        await ack()
        if not outcome.decision.changed:
            log.info(
                "alert %s: %s by %s refused (%s)", follow_up_id, kind, who, outcome.decision.refusal
            )
            await _say(respond, refusal_text(outcome))
            return
        log.info("alert %s: %s by %s -> %s", follow_up_id, kind, who, outcome.decision.state)
        if ctx.alerts is not None:
            ctx.alerts.submit(follow_up_id)

    for action_id in ACTIONS:
        app.action(action_id)(click)


def _register_wrong_tags_button(app: AsyncApp, ctx: SlackContext) -> None:
    """ "Wrong tags" opens the modal; acknowledged at once, the modal opened lazily."""

    async def wrong_tags(
        body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        who = user_of(body)
        if who is None or not await ctx.gatekeeper.allows(who):
            ctx.gatekeeper.log_refusal(who, "alert button Wrong tags")
            await _say(respond, REFUSAL)
            return
        follow_up_id = parse_id(action.get("value"))
        if follow_up_id is None:
            await _say(respond, GONE)
            return
        found = await asyncio.to_thread(_tag_form, ctx, follow_up_id)
        if isinstance(found, str):
            await _say(respond, found)
            return
        trigger_id = body.get("trigger_id")
        try:
            if not isinstance(trigger_id, str):
                raise ValueError("no trigger_id")
            await client.views_open(trigger_id=trigger_id, view=_modal(follow_up_id, found))
        except (SlackClientError, ValueError) as error:
            log.error("could not open the tags modal for alert %s: %s",
                      follow_up_id, clip(str(error), 200))  # fmt: skip
            await _say(respond, "Sorry, I could not open the form. Please click again.")

    app.action(alert_blocks.WRONG_TAGS_ACTION)(ack=_ack, lazy=[wrong_tags])


def _register_tags_submission(app: AsyncApp, ctx: SlackContext) -> None:
    """The modal's submission: checked, stored, then acknowledged."""

    async def save_tags(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Checked, then stored, then acknowledged: the modal closes only once it is saved."""
        who = user_of(body)
        if who is None or not await ctx.gatekeeper.allows(who):
            ctx.gatekeeper.log_refusal(who, "tag correction")
            await ack(response_action="errors", errors={REASONS_BLOCK: NOT_ALLOWED_FORM})
            return
        ids = _metadata_ids(view)
        if ids is None:
            log.warning("tag correction by %s with unreadable metadata", who)
            await ack(response_action="errors", errors={REASONS_BLOCK: GONE_FORM})
            return
        follow_up_id, answer_id = ids
        reasons = picked_reasons(view)
        if reasons is None:
            log.warning("tag correction by %s for alert %s refused: a reason not in the taxonomy",
                        who, follow_up_id)  # fmt: skip
            await ack(response_action="errors", errors={REASONS_BLOCK: UNKNOWN_REASON})
            return
        stored = await asyncio.to_thread(_store_tags, ctx, follow_up_id, answer_id, reasons, who)
        if not stored:
            log.warning("tag correction by %s for an answer not on alert %s", who, follow_up_id)
            await ack(response_action="errors", errors={REASONS_BLOCK: GONE_FORM})
            return
        await ack()  # committed: the modal closes
        log.info("alert %s: %s set the tags to %s", follow_up_id, who, reasons or "none")
        if ctx.alerts is not None:
            ctx.alerts.submit(follow_up_id)

    app.view(MODAL_CALLBACK)(save_tags)


def register(app: AsyncApp, ctx: SlackContext) -> None:
    """The alert's buttons and the tags modal, in the order bolt matches them."""
    _register_step_buttons(app, ctx)
    _register_wrong_tags_button(app, ctx)
    _register_tags_submission(app, ctx)
