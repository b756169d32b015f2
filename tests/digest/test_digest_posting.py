"""`retention-bot digest --post` against a Slack Web API and a Telegram Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from digest_helpers import CHANNEL, MANAGER_CHATS, digest_environment, digest_settings
from sqlalchemy import select
from telegram.ext import AIORateLimiter

from bot import telegram_app
from bot.cli import main
from bot.digest_posting import close_clients, destinations, post_week, retry_unsent
from bot.telegram_app import build_application, connected
from builders import answer, at, customer, event
from insights.digest import IsoWeek
from storage import schema
from storage.database import make_engine, session_factory
from storage.models import DigestPost

WEEK = "2026-W10"  # 2-8 March 2026: days 61-67 of the year
NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """A SQLite database with a small company and one busy week."""
    url = f"sqlite:///{tmp_path / 'digest.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    factory = session_factory(engine)
    with factory() as session, session.begin():
        people = [customer(session, at(1), mrr="49", name=f"Kunde {i} & <Co>") for i in range(30)]
        event(session, people[0], "subscription_cancelled", at(63))
        for who, score in zip(people[1:6], (10, 9, 8, 4, 2), strict=True):
            answer(session, who, "nps", score, at(64), text="Prisen er for høj")
    engine.dispose()
    yield url


def post(env: dict[str, str], *args: str):
    return CliRunner().invoke(main, ["digest", "--post", "--week", WEEK, *args], env=env)


def rows(url: str) -> dict[str, DigestPost]:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        found = {r.destination: r for r in session.scalars(select(DigestPost))}
    engine.dispose()
    return found


def test_post_delivers_to_slack_and_every_telegram_chat(database, slack_api, telegram_api):
    env = digest_environment(database, slack_api, telegram_api)
    result = post(env)
    assert result.exit_code == 0, result.output + result.stderr
    lines = result.output.splitlines()
    (ts,) = slack_api.messages
    assert f"slack:{CHANNEL}: sent (message {ts}, chart F000000001)" in lines
    for chat in MANAGER_CHATS:
        assert f"telegram:{chat}: sent (1 message and the chart)" in lines

    # Slack: the Block Kit message, then the chart through the three-step upload.
    assert slack_api.methods() == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    message = slack_api.calls_to("chat.postMessage")[0]
    assert message.headers["Authorization"].startswith("Bearer xoxb-")
    assert message.params["channel"] == CHANNEL
    blocks = message.params["blocks"]
    assert blocks[0]["type"] == "header" and "week 10" in blocks[0]["text"]["text"]
    assert "Retention digest, week 10" in message.params["text"]
    assert "Kunde 1 &amp; &lt;Co&gt;" in json.dumps(blocks, ensure_ascii=False)
    assert slack_api.uploads["F000000001"].startswith(PNG)
    complete = slack_api.calls_to("files.completeUploadExternal")[0]
    assert complete.params["channel_id"] == CHANNEL
    assert [f["id"] for f in complete.params["files"]] == ["F000000001"]

    # Telegram: every manager chat gets the HTML message and the chart as a photo.
    for chat in MANAGER_CHATS:
        texts = [c for c in telegram_api.calls_to("sendMessage") if c.params["chat_id"] == chat]
        photos = [c for c in telegram_api.calls_to("sendPhoto") if c.params["chat_id"] == chat]
        assert len(texts) == 1 and len(photos) == 1
        assert texts[0].params["parse_mode"] == "HTML"
        title = "<b>Retention digest · week 10 · 2–8 Mar 2026</b>"
        assert texts[0].params["text"].startswith(title)
        assert "Kunde 1 &amp; &lt;Co&gt;" in texts[0].params["text"]
        assert photos[0].files["photo"].startswith(PNG)
        assert "Week 10 in a chart" in photos[0].params["caption"]
    assert {r.status for r in rows(database).values()} == {"sent"}

    # Posting the same week again posts nothing anywhere.
    again = post(env)
    assert again.exit_code == 0
    assert f"slack:{CHANNEL}: already sent, not posted again" in again.output
    assert len(slack_api.calls) == 4 and len(telegram_api.calls) == 4


def test_a_failing_slack_is_retried_recorded_and_posted_on_the_next_start(
    database, slack_api, telegram_api
):
    slack_api.fail(
        "chat.postMessage", times=3, status=500, error="internal_error", retry_after=None
    )
    env = digest_environment(database, slack_api, telegram_api)
    result = post(env)
    assert result.exit_code == 1
    assert f"slack:{CHANNEL}: FAILED after 3 attempt(s)" in result.output
    assert "telegram:4242: sent" in result.output
    stored = rows(database)
    slack_row = stored[f"slack:{CHANNEL}"]
    assert (slack_row.status, slack_row.attempts) == ("failed", 3)
    assert "chat.postMessage" in (slack_row.last_error or "")

    # The next start: failed posts of recent weeks are posted again, and only those.
    settings = digest_settings(database, slack_api, telegram_api)
    engine = make_engine(database)
    outcomes = asyncio.run(retry_unsent(settings, session_factory(engine), NOW))
    engine.dispose()
    assert [(o.destination, o.status) for o in outcomes] == [(f"slack:{CHANNEL}", "sent")]
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    assert len(telegram_api.calls_to("sendMessage")) == len(MANAGER_CHATS)
    assert rows(database)[f"slack:{CHANNEL}"].attempts == 4


def test_a_timeout_is_retried_without_resending_what_arrived(database, telegram_api):
    telegram_api.stall("sendPhoto", seconds=1.2, times=2)
    env = digest_environment(database, None, telegram_api) | {"DIGEST_POST_TIMEOUT_SECONDS": "0.5"}
    result = post(env)
    assert result.exit_code == 0, result.output
    # Each chat got its text once, though its photo needed a second attempt.
    assert len(telegram_api.calls_to("sendMessage")) == len(MANAGER_CHATS)
    assert all(r.attempts == 2 for r in rows(database).values())


def test_a_slack_upload_failure_does_not_repost_the_message(database, slack_api):
    slack_api.fail(
        "files.completeUploadExternal", status=500, error="internal_error", retry_after=None
    )
    result = post(digest_environment(database, slack_api, None))
    assert result.exit_code == 0, result.output
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    assert len(slack_api.calls_to("files.completeUploadExternal")) == 1


def test_an_unknown_channel_is_not_retried_and_says_why(database, slack_api):
    slack_api.fail(
        "chat.postMessage", times=5, status=200, error="channel_not_found", retry_after=None
    )
    result = post(digest_environment(database, slack_api, None))
    assert result.exit_code == 1
    assert "FAILED after 1 attempt(s) (chat.postMessage: channel_not_found)" in result.output


def test_a_chat_that_blocked_the_bot_is_not_retried(database, telegram_api):
    telegram_api.block(4242)
    result = post(digest_environment(database, None, telegram_api))
    assert result.exit_code == 1
    assert "telegram:4242: FAILED after 1 attempt(s) (sendMessage: " in result.output
    assert "telegram:-1001234567890: sent (1 message and the chart)" in result.output


async def test_without_a_running_bot_the_digest_builds_one_paced_client(database, telegram_api):
    settings = digest_settings(database, None, telegram_api)
    posters = destinations(settings)
    lent = posters[0].bot
    assert all(p.bot is lent for p in posters)  # one client, one pace, for every chat
    client = lent()
    assert isinstance(client.rate_limiter, AIORateLimiter) and lent() is client
    await close_clients(posters)
    assert lent() is not client  # closed, so the next post builds a fresh one
    await close_clients(posters)


async def test_inside_run_the_digest_posts_with_the_running_bot(
    database, telegram_api, monkeypatch
):
    settings = digest_settings(database, None, telegram_api)
    application = build_application(settings)
    monkeypatch.setattr(telegram_app, "running_application", lambda: application)
    engine = make_engine(database)
    async with connected(application, settings):
        posters = destinations(settings)
        assert all(p.bot() is application.bot for p in posters)
        outcomes = await post_week(
            settings, session_factory(engine), IsoWeek.parse(WEEK), NOW, posters
        )
        assert {o.status for o in outcomes} == {"sent"}
        await application.bot.get_me()  # the running bot's client was lent, not closed
    engine.dispose()
    assert len(telegram_api.calls_to("sendPhoto")) == len(MANAGER_CHATS)
