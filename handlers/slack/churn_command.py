"""The `/churn` slash command, its "Share in channel" button and the customer pick list.

Slack gives a command three seconds. Each listener acknowledges at once with an empty ack
(Slack shows nothing) and does the rest in a lazy listener, after the HTTP response has
gone: check who is asking, parse, query in a worker thread, and answer through
`respond` (the command's `response_url`). A bad argument gets the help text with a line
saying what was wrong; a query that fails gets a short apology. Never silence.

Answers are ephemeral. "Share in channel" re-runs the same frozen query (the period as
dates, the moment it was asked) and posts it `in_channel` through the response_url, only
in the channels of SLACK_SHARE_CHANNELS.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from handlers.slack import (
    at_risk_reply,
    blocks,
    churn_queries,
    customer_reply,
    help_reply,
    reasons_reply,
    summary_reply,
)
from handlers.slack.access import REFUSAL
from handlers.slack.churn_args import (
    CustomerLookup,
    Frozen,
    Help,
    TextTooLong,
    UsageError,
    freeze,
    parse,
    thaw,
)
from handlers.slack.context import SlackContext
from handlers.slack.formatting import user
from handlers.slack.log_safety import bounded_logger, clip
from handlers.slack.payload import channel_of, dig, user_of

log = bounded_logger(__name__)
COMMAND = "/churn"
SHARE_ACTION = "churn_share"
PICK_ACTION = customer_reply.PICK_ACTION
FAILED = (
    ":warning: Sorry, that query failed. Please try again in a minute; if it keeps "
    "failing, the bot's log says why."
)


async def _ack(ack: AsyncAck) -> None:
    await ack()


def render(ctx: SlackContext, frozen: Frozen, result: churn_queries.Result) -> blocks.SlackReply:
    query, tz = frozen.query, ctx.tz
    if isinstance(result, churn_queries.SummaryResult):
        return summary_reply.render(result, tz)
    if isinstance(result, churn_queries.AtRiskResult):
        return at_risk_reply.render(result, tz, ctx.currency)
    if isinstance(result, churn_queries.CustomerResult):
        return customer_reply.render(
            result,
            tz,
            lambda external_id: freeze(CustomerLookup(external_id), frozen.as_of, tz),
            ctx.currency,
        )
    if result is not None:
        return reasons_reply.render(result, tz)
    assert isinstance(query, Help)
    return help_reply.render()


async def answer(ctx: SlackContext, frozen: Frozen, channel: str | None) -> blocks.SlackReply:
    """The reply to a query, with the Share button where sharing is allowed."""
    result = await asyncio.to_thread(churn_queries.run, ctx, frozen)
    reply = render(ctx, frozen, result)
    tail: list[blocks.Block] = []
    if channel in ctx.share_channels and not isinstance(frozen.query, Help):
        value = freeze(frozen.query, frozen.as_of, ctx.tz)
        tail.append(
            blocks.actions("churn_share", [blocks.button("Share in channel", SHARE_ACTION, value)])
        )
    return reply.finish(tail)


async def _respond(respond: AsyncRespond, reply: blocks.SlackReply, **options: Any) -> None:
    try:
        response = await respond(text=reply.text, blocks=reply.blocks, **options)
    except Exception:
        log.exception("could not answer through the response_url")
        return
    if response.status_code != 200:
        log.error(
            "Slack refused an answer (%s): %s", response.status_code, clip(response.body, 200)
        )


async def _thawed(
    ctx: SlackContext, action: dict[str, Any], respond: AsyncRespond, who: str | None, what: str
) -> Frozen | None:
    """The query frozen in a button's value, or None once the clicker is told it is unreadable."""
    value = dig(action, "value")
    try:
        return thaw(value, ctx.tz)
    except UsageError as error:
        log.info("%s from %s with an unreadable value %s", what, who, clip(value, 40))
        await _respond(respond, blocks.SlackReply(f"Sorry, {error}."), replace_original=False)
        return None


async def _button_refused(
    ctx: SlackContext, who: str | None, respond: AsyncRespond, what: str
) -> bool:
    """True (and the clicker told so) when `who` may not use the buttons of an answer."""
    if await ctx.gatekeeper.allows(who):
        return False
    ctx.gatekeeper.log_refusal(who, what)
    await _respond(respond, blocks.SlackReply(REFUSAL), replace_original=False)
    return True


def _register_command(app: AsyncApp, ctx: SlackContext) -> None:
    """`/churn ...`: parsed, answered, and shown only to whoever typed it."""

    async def answer_command(body: dict[str, Any], respond: AsyncRespond) -> None:
        who, channel = user_of(body), channel_of(body)
        text = body.get("text")
        text = text if isinstance(text, str) else ""
        if not await ctx.gatekeeper.allows(who):
            ctx.gatekeeper.log_refusal(who, f"{COMMAND} ({len(text)} characters of text)")
            await _respond(respond, blocks.SlackReply(REFUSAL), response_type="ephemeral")
            return
        now = ctx.clock()
        try:
            query = parse(text, ctx.tz, now)
        except TextTooLong as error:  # one line: the help would not be read past it anyway
            log.info("%s from %s: %d characters of text, refused", COMMAND, who, error.length)
            await _respond(respond, blocks.SlackReply(str(error)), response_type="ephemeral")
            return
        except UsageError as error:
            await _respond(respond, help_reply.render(str(error)), response_type="ephemeral")
            return
        try:
            reply = await answer(ctx, Frozen(query, now), channel)
        except Exception:
            log.exception("%s (%s) from %s failed", COMMAND, type(query).__name__, who)
            reply = blocks.SlackReply(FAILED)
        await _respond(respond, reply, response_type="ephemeral")

    app.command(COMMAND)(ack=_ack, lazy=[answer_command])


def _register_share(app: AsyncApp, ctx: SlackContext) -> None:
    """ "Share in channel": the same answer again, posted for the channel, where allowed."""

    async def share(body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond) -> None:
        who, channel = user_of(body), channel_of(body)
        if await _button_refused(ctx, who, respond, "Share in channel"):
            return
        if channel not in ctx.share_channels:
            allowed = ", ".join(f"<#{c}>" for c in sorted(ctx.share_channels)) or "no channel"
            note = f"Sharing is turned on only in {allowed} (SLACK_SHARE_CHANNELS)."
            await _respond(
                respond,
                blocks.SlackReply(note, [blocks.section(note)]),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        frozen = await _thawed(ctx, action, respond, who, "Share in channel")
        if frozen is None:
            return
        try:
            reply = await answer(ctx, frozen, None)
        except Exception:
            log.exception("sharing %s failed", type(frozen.query).__name__)
            await _respond(respond, blocks.SlackReply(FAILED), replace_original=False)
            return
        shared = blocks.SlackReply(
            reply.text, [*reply.blocks, blocks.context(f"Shared by {user(who)} with `/churn`.")]
        ).finish()
        await _respond(respond, shared, response_type="in_channel", replace_original=False)

    app.action(SHARE_ACTION)(ack=_ack, lazy=[share])


def _register_customer_pick(app: AsyncApp, ctx: SlackContext) -> None:
    """A customer picked from a list of matches: their story replaces the list."""

    async def pick(body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond) -> None:
        who, channel = user_of(body), channel_of(body)
        if await _button_refused(ctx, who, respond, "customer pick list"):
            return
        frozen = await _thawed(ctx, action, respond, who, "customer pick")
        if frozen is None:
            return
        try:
            reply = await answer(ctx, frozen, channel)
        except Exception:
            log.exception("customer pick (%s) failed", type(frozen.query).__name__)
            reply = blocks.SlackReply(FAILED)
        await _respond(respond, reply, response_type="ephemeral", replace_original=True)

    app.action(PICK_ACTION)(ack=_ack, lazy=[pick])


def register(app: AsyncApp, ctx: SlackContext) -> None:
    """`/churn` and the buttons of its answers."""
    _register_command(app, ctx)
    _register_share(app, ctx)
    _register_customer_pick(app, ctx)
