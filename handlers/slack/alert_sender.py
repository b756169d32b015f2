"""Posting and updating alert messages: queued, paced per channel, retried, never dropped.

Slack allows about one message per second per channel and answers more with HTTP 429
and a Retry-After header. Alerts come in bursts (a survey sent to many customers at ten
in the morning), so nothing is posted directly:

- `submit(follow_up_id)` queues the alert. An alert already waiting is not queued twice:
  the message is rendered from the database when its turn comes, so one send carries
  every change made while it waited.
- One worker sends, keeping `pace` seconds between two sends to the same channel.
- A 429 is waited out for its Retry-After and the same send is tried again, as often as
  Slack asks. Other failures (network, 5xx) are retried with a doubling delay, a few
  times; what still fails is logged.
- The alert's follow-up row exists before anything is queued, and the message's `ts` is
  stored once posted. A sweep (at start and then every `sweep_every` seconds) queues
  every alert of the last days that has no `ts` yet, so an alert that could not be posted
  (Slack down, the process restarted with a full queue) is posted later, never lost.
- Several processes may run alerts on one database (each stores the answers it takes and
  raises their alerts). The first message is posted by whoever claims it in the database
  (`follow_ups.claim_post`); the others wait for it and then update it, so an alert is
  posted once however many processes sweep or hear its answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack import alert_blocks
from handlers.slack.blocks import SlackReply
from handlers.slack.context import SlackContext
from handlers.slack.errors import PERMANENT_ERRORS
from insights import alerts, follow_ups

log = logging.getLogger(__name__)
PACE_SECONDS = 1.0
SWEEP_SECONDS = 60.0
SWEEP_WINDOW = timedelta(days=7)
CLAIM_STALE = timedelta(minutes=2)  # a claim this old is taken over (its holder died)
CLAIMED_ELSEWHERE_RETRY_SECONDS = 2.0  # another process is posting: look again after this
ATTEMPTS = 5
FIRST_RETRY_SECONDS = 2.0
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class _Message:
    reply: SlackReply
    channel: str | None  # where it was posted (None: not yet)
    ts: str | None


def retry_after(error: SlackApiError) -> float:
    """Seconds Slack asked us to wait (Retry-After), 1 if it did not say."""
    headers = getattr(error.response, "headers", None) or {}
    for name, value in dict(headers).items():
        if str(name).lower() == "retry-after":
            with contextlib.suppress(TypeError, ValueError):
                return max(0.0, float(value if not isinstance(value, list) else value[0]))
    return 1.0


class AlertSender:
    def __init__(
        self,
        ctx: SlackContext,
        client: AsyncWebClient,
        channel: str,
        pace: float = PACE_SECONDS,
        sweep_every: float = SWEEP_SECONDS,
        sleep: Sleep = asyncio.sleep,
        first_retry: float = FIRST_RETRY_SECONDS,
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.channel = channel
        self.pace = pace
        self.sweep_every = sweep_every
        self.sleep = sleep
        self.first_retry = first_retry
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._waiting: set[int] = set()
        self._last_send: dict[str, float] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._later: set[asyncio.TimerHandle] = set()
        self.token = uuid.uuid4().hex  # this sender's claims on first posts
        self.sent: list[tuple[str, int]] = []  # ("post" | "update", follow-up id): for logs

    # -- queueing ------------------------------------------------------------------------

    def submit(self, follow_up_id: int) -> None:
        """Queue an alert to be posted (or its message brought up to date)."""
        if follow_up_id in self._waiting:
            return
        self._waiting.add(follow_up_id)
        self._queue.put_nowait(follow_up_id)

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._work(), name="slack-alert-sender"),
            asyncio.create_task(self._sweep_forever(), name="slack-alert-sweep"),
        ]

    async def stop(self, grace: float = 10.0) -> None:
        """Send what is queued (for up to `grace` seconds), then stop."""
        if not self._tasks:
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._queue.join(), grace)
        for handle in self._later:
            handle.cancel()
        self._later.clear()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def idle(self) -> None:
        """Wait until everything queued so far has been sent (tests, shutdown)."""
        await self._queue.join()

    async def sweep(self) -> int:
        """Queue every recent alert whose message was never posted; how many."""
        since = self.ctx.clock() - SWEEP_WINDOW

        def pending() -> list[int]:
            with self.ctx.factory() as session:
                return follow_ups.unposted_alerts(session, since)

        found = await asyncio.to_thread(pending)
        for follow_up_id in found:
            self.submit(follow_up_id)
        return len(found)

    async def _sweep_forever(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("sweep for unposted alerts failed")
            await asyncio.sleep(self.sweep_every)

    # -- sending -------------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            follow_up_id = await self._queue.get()
            self._waiting.discard(follow_up_id)
            try:
                await self._deliver(follow_up_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("alert %s could not be sent", follow_up_id)
            finally:
                self._queue.task_done()

    def _load(self, follow_up_id: int) -> _Message | None:
        with self.ctx.factory() as session:
            content = alerts.load_alert(session, follow_up_id, self.ctx.weights, self.ctx.clock())
        if content is None:
            return None
        return _Message(
            alert_blocks.render(content, self.ctx.tz, self.ctx.currency),
            content.post_destination,
            content.post_ref,
        )

    def _claim(self, follow_up_id: int) -> bool:
        with self.ctx.factory() as session, session.begin():
            return follow_ups.claim_post(
                session, follow_up_id, self.token, self.ctx.clock(), CLAIM_STALE
            )

    def _retry_later(self, follow_up_id: int) -> None:
        """Another process is posting this alert: once it has, bring the message up to date."""
        loop = asyncio.get_running_loop()

        def again() -> None:
            self._later.discard(handle)
            self.submit(follow_up_id)

        handle = loop.call_later(CLAIMED_ELSEWHERE_RETRY_SECONDS, again)
        self._later.add(handle)

    def _mark_posted(self, follow_up_id: int, channel: str, ts: str) -> None:
        with self.ctx.factory() as session, session.begin():
            follow_ups.mark_posted(session, follow_up_id, channel, ts)

    async def _wait_turn(self, channel: str) -> None:
        last = self._last_send.get(channel)
        if last is not None:
            wait = last + self.pace - time.monotonic()
            if wait > 0:
                await self.sleep(wait)
        self._last_send[channel] = time.monotonic()

    def _sent(self, channel: str) -> None:
        """Count the pace from when Slack answered: a request slow to arrive (a loaded
        machine) must not bring the next one closer than `pace` at Slack's end."""
        self._last_send[channel] = max(self._last_send.get(channel, 0.0), time.monotonic())

    async def _deliver(self, follow_up_id: int) -> None:
        failures = 0
        while True:
            message = await asyncio.to_thread(self._load, follow_up_id)
            if message is None:
                log.warning("alert %s is gone; nothing to send", follow_up_id)
                return
            channel = message.channel or self.channel
            await self._wait_turn(channel)
            if message.ts is None and not await asyncio.to_thread(self._claim, follow_up_id):
                log.debug("alert %s is being posted by another process", follow_up_id)
                self._retry_later(follow_up_id)
                return
            try:
                if message.ts is None:
                    response = await self.client.chat_postMessage(
                        channel=channel, text=message.reply.text, blocks=message.reply.blocks
                    )
                    await asyncio.to_thread(
                        self._mark_posted,
                        follow_up_id,
                        str(response.get("channel") or channel),
                        str(response["ts"]),
                    )
                    self.sent.append(("post", follow_up_id))
                else:
                    await self.client.chat_update(
                        channel=channel,
                        ts=message.ts,
                        text=message.reply.text,
                        blocks=message.reply.blocks,
                    )
                    self.sent.append(("update", follow_up_id))
                self._sent(channel)
                return
            except SlackApiError as error:
                if error.response.status_code == 429:
                    wait = retry_after(error)
                    log.info("Slack rate limit on alert %s: retrying in %.1fs", follow_up_id, wait)
                    self._last_send[channel] = time.monotonic() + wait
                    await self.sleep(wait)
                    continue
                code = str(error.response.get("error") or "")
                if code in PERMANENT_ERRORS:
                    log.error("Slack refused alert %s: %s (not retried)", follow_up_id, code)
                    return
                problem: str = code or str(error)
            except (TimeoutError, SlackClientError, aiohttp.ClientError, OSError) as error:
                problem = str(error) or type(error).__name__
            failures += 1
            if failures >= ATTEMPTS:
                log.error(
                    "alert %s not sent after %d attempts: %s", follow_up_id, failures, problem
                )
                return
            await self.sleep(self.first_retry * 2 ** (failures - 1))
