"""Alert posting under Slack's rate limits: paced per channel, 429 waited out and retried,
nothing dropped, and alerts never posted (Slack down, a restart) posted by the sweep."""

from __future__ import annotations

import asyncio
from itertools import pairwise

from slack_fake_api import FakeSlackApi
from slack_seed import NOW
from slack_surveys import Respondent
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from bot.slack_app import SlackBot
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

    bot = SlackBot(slack_settings, factory, clock=lambda: NOW, pace=0.01, sweep_every=3600)
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
    assert follow_up.slack_ts is not None
