"""Alert posting under Slack's rate limits: paced per channel, 429 waited out and retried,
nothing dropped, and alerts never posted (Slack down, a restart) posted by the sweep."""

from __future__ import annotations

import asyncio
from itertools import pairwise

from slack_fake_api import FakeSlackApi
from slack_seed import NOW
from slack_surveys import Respondent
from sqlalchemy.orm import Session, sessionmaker

from bot.services import Services
from bot.slack_app import SlackBot
from config import Settings
from insights import alerts
from insights.tagging import Tagger
from surveys.hooks import AnswerHooks


async def detractors(factory: sessionmaker[Session], hooks: AnswerHooks, n: int) -> None:
    """`n` customers answer NPS 2 at the same moment."""
    people = [Respondent(factory, hooks, chat_id=8000 + i, name=f"Customer {i}") for i in range(n)]
    sessions = [person.open_survey("nps") for person in people]
    await asyncio.gather(
        *(
            person.tap(session, "score", "2")
            for person, session in zip(people, sessions, strict=True)
        )
    )


async def test_a_burst_is_paced_and_a_429_is_retried_after_retry_after(
    slack_bot: SlackBot, slack_api: FakeSlackApi, factory: sessionmaker[Session]
) -> None:
    assert slack_bot.sender is not None
    slack_bot.sender.pace = 0.2
    hooks = AnswerHooks()
    slack_bot.register_alert_listeners(hooks)
    slack_api.fail("chat.postMessage", times=1, status=429, retry_after=1)

    await detractors(factory, hooks, 4)
    await asyncio.wait_for(slack_bot.sender.idle(), 10)

    attempts = slack_api.calls_to("chat.postMessage", ok_only=False)
    assert [c.status for c in attempts] == [429, 200, 200, 200, 200]
    assert attempts[1].at - attempts[0].at >= 0.95  # waited out Retry-After: 1
    posted = [c for c in attempts if c.status == 200]
    gaps = [b.at - a.at for a, b in pairwise(posted)]
    assert min(gaps) >= 0.19  # about one message per `pace` per channel
    names = sorted(c.params["text"].split(":")[1].split("(")[0].strip() for c in posted)
    assert names == [f"Customer {i}" for i in range(4)]  # none dropped, none twice


async def test_server_errors_are_retried(
    slack_bot: SlackBot, slack_api: FakeSlackApi, factory: sessionmaker[Session]
) -> None:
    assert slack_bot.sender is not None
    slack_bot.sender.first_retry = 0.05
    hooks = AnswerHooks()
    slack_bot.register_alert_listeners(hooks)
    slack_api.fail(
        "chat.postMessage", times=2, status=500, error="internal_error", retry_after=None
    )
    await detractors(factory, hooks, 1)
    await asyncio.wait_for(slack_bot.sender.idle(), 10)
    statuses = [c.status for c in slack_api.calls_to("chat.postMessage", ok_only=False)]
    assert statuses == [500, 500, 200]


async def test_alerts_never_posted_are_posted_at_the_next_start(
    slack_settings: Settings, slack_api: FakeSlackApi, factory: sessionmaker[Session]
) -> None:
    # An alert raised while Slack was unreachable (or the process died before posting).
    hooks = AnswerHooks()  # nobody listening: the answer is stored, no alert sent yet
    person = Respondent(factory, hooks, chat_id=8100, name="Left Behind")
    session_id = person.open_survey("csat")
    await person.tap(session_id, "score", "1")
    with factory() as session, session.begin():
        change = alerts.process_session(session, session_id, Tagger.default(), NOW)
    assert change is not None and change.created

    bot = SlackBot(
        Services(slack_settings, factory=factory), clock=lambda: NOW, pace=0.01, sweep_every=3600
    )
    await bot.start()
    try:
        (posted,) = await slack_api.wait_calls("chat.postMessage", 1)
        assert "Left Behind" in posted.params["text"]
        assert bot.sender is not None
        await bot.sender.idle()
        assert await bot.sender.sweep() == 0  # now stored as posted: not posted twice
    finally:
        await bot.stop()
    (follow_up,) = person.follow_ups()
    assert follow_up.post_ref is not None


async def test_two_processes_sweeping_and_hearing_one_alert_post_it_once(
    slack_settings: Settings, slack_api: FakeSlackApi, factory: sessionmaker[Session]
) -> None:
    """Several `run` processes on one database, each with Slack alerts on: one message."""
    hooks = AnswerHooks()
    person = Respondent(factory, hooks, chat_id=8200, name="Two Doors")
    session_id = person.open_survey("nps")
    await person.tap(session_id, "score", "1")
    with factory() as session, session.begin():
        change = alerts.process_session(session, session_id, Tagger.default(), NOW)
    assert change is not None

    first, second = (
        SlackBot(
            Services(slack_settings, factory=factory),
            clock=lambda: NOW,
            pace=0.01,
            sweep_every=3600,
        )
        for _ in range(2)
    )
    await asyncio.gather(first.start(), second.start())  # both sweep at start
    try:
        assert first.sender is not None and second.sender is not None
        first.sender.submit(change.follow_up_id)  # and both hear a later answer of it
        second.sender.submit(change.follow_up_id)
        await slack_api.wait_calls("chat.postMessage", 1)
        await asyncio.sleep(2.5)  # the loser looks again once the winner has posted
        await asyncio.gather(first.sender.idle(), second.sender.idle())
    finally:
        await asyncio.gather(first.stop(), second.stop())
    assert len(slack_api.calls_to("chat.postMessage", ok_only=False)) == 1
    (follow_up,) = person.follow_ups()
    assert follow_up.post_ref is not None
    # The other process brought the posted message up to date instead of posting again.
    assert all(c.params["ts"] == follow_up.post_ref for c in slack_api.calls_to("chat.update"))


async def test_a_claim_left_by_a_dead_process_is_taken_over(
    slack_settings: Settings, slack_api: FakeSlackApi, factory: sessionmaker[Session]
) -> None:
    from datetime import timedelta

    from insights import follow_ups

    hooks = AnswerHooks()
    person = Respondent(factory, hooks, chat_id=8300, name="Orphan")
    session_id = person.open_survey("csat")
    await person.tap(session_id, "score", "1")
    with factory() as session, session.begin():
        change = alerts.process_session(session, session_id, Tagger.default(), NOW)
        assert change is not None
        # A process claimed the post three minutes ago and died before posting.
        assert follow_ups.claim_post(
            session, change.follow_up_id, "dead-process", NOW - timedelta(minutes=3),
            timedelta(minutes=2),
        )  # fmt: skip
    bot = SlackBot(
        Services(slack_settings, factory=factory), clock=lambda: NOW, pace=0.01, sweep_every=3600
    )
    await bot.start()
    try:
        (posted,) = await slack_api.wait_calls("chat.postMessage", 1)
        assert "Orphan" in posted.params["text"]
    finally:
        await bot.stop()
