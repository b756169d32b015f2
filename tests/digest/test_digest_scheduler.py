"""The scheduler: job functions with a fixed clock, and a job store that survives restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from digest_helpers import CHANNEL, MANAGER_CHATS, digest_environment, digest_settings
from sqlalchemy import func, select

import bot.scheduler as scheduling
from bot.scheduler import (
    DIGEST_JOB_ID,
    RISK_JOB_ID,
    SURVEY_JOB_ID,
    build_scheduler,
    next_digest_run,
    start_scheduler,
    stop_scheduler,
    weekly_digest_job,
)
from builders import answer, at, customer
from storage import schema
from storage.database import make_engine, session_factory
from storage.models import DigestPost, SchedulerJob

LINK_SECRET = "k" * 40


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    with session_factory(engine)() as session, session.begin():
        who = customer(session, at(1), name="Ada")
        answer(session, who, "nps", 9, at(64))
    engine.dispose()
    yield url


def stored_jobs(url: str) -> list[tuple[str, float | None]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = connection.execute(
            select(SchedulerJob.id, SchedulerJob.next_run_time).order_by(SchedulerJob.id)
        ).all()
    engine.dispose()
    return [(job_id, next_run) for job_id, next_run in found]


def posts(url: str) -> list[tuple[str, str, str]]:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        found = session.execute(
            select(DigestPost.week, DigestPost.destination, DigestPost.status).order_by(
                DigestPost.destination
            )
        ).all()
    engine.dispose()
    return [tuple(row) for row in found]


async def test_weekly_job_posts_last_week_once_with_a_fixed_clock(
    database, slack_api, telegram_api
):
    settings = digest_settings(database, slack_api, telegram_api)
    monday_morning = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # 09:00 in Copenhagen
    await weekly_digest_job(settings, now=monday_morning)
    assert posts(database) == sorted(
        [("2026-W10", f"slack:{CHANNEL}", "sent")]
        + [("2026-W10", f"telegram:{chat}", "sent") for chat in MANAGER_CHATS],
        key=lambda row: row[1],
    )
    calls = len(slack_api.calls) + len(telegram_api.calls)
    # A second process, or the same job fired again after a restart: nothing new.
    await weekly_digest_job(settings, now=monday_morning + timedelta(minutes=3))
    assert len(slack_api.calls) + len(telegram_api.calls) == calls


async def test_job_store_keeps_one_job_across_restarts(database, slack_api, monkeypatch):
    for key, value in digest_environment(database, slack_api, None).items():
        monkeypatch.setenv(key, value)
    settings = digest_settings(database, slack_api)
    first = build_scheduler(settings)
    lines = start_scheduler(first, settings)
    assert lines[0].startswith("weekly digest: next run Mon ")
    assert "survey send --due: off" in lines[1]
    before = stored_jobs(database)
    await stop_scheduler(first)
    assert sorted(job_id for job_id, _ in before) == [DIGEST_JOB_ID, RISK_JOB_ID]

    second = build_scheduler(settings)
    start_scheduler(second, settings)
    job = second.get_job(DIGEST_JOB_ID)
    assert job is not None and job.func_ref == "bot.scheduler:weekly_digest_job"
    await stop_scheduler(second)
    assert stored_jobs(database) == before  # the same job, the same next run: not doubled

    # The survey job joins when the Telegram bot is configured, and leaves when it is not.
    with_telegram = digest_settings(
        database, slack_api, telegram_bot_token="123456:" + "A" * 30, link_secret=LINK_SECRET
    )
    third = build_scheduler(with_telegram)
    start_scheduler(third, with_telegram)
    await stop_scheduler(third)
    assert sorted(job_id for job_id, _ in stored_jobs(database)) == sorted(
        [SURVEY_JOB_ID, DIGEST_JOB_ID, RISK_JOB_ID]
    )
    fourth = build_scheduler(settings)
    start_scheduler(fourth, settings)
    await stop_scheduler(fourth)
    assert sorted(job_id for job_id, _ in stored_jobs(database)) == [DIGEST_JOB_ID, RISK_JOB_ID]

    # The weekly risk refit leaves when RISK_REFIT_CRON is off (blank means the default).
    no_refit = digest_settings(database, slack_api, risk_refit_cron="off")
    fifth = build_scheduler(no_refit)
    lines = start_scheduler(fifth, no_refit)
    await stop_scheduler(fifth)
    assert "risk model refit: off" in lines[2]
    assert [job_id for job_id, _ in stored_jobs(database)] == [DIGEST_JOB_ID]


async def _restart_after_missing_a_run(database, slack_api, monkeypatch, late: timedelta) -> int:
    """Store the digest job as due `late` ago, restart, and count how often it runs."""
    for key, value in digest_environment(database, slack_api, None).items():
        monkeypatch.setenv(key, value)
    settings = digest_settings(database, slack_api, digest_misfire_grace_minutes=60)
    scheduler = build_scheduler(settings)
    scheduler.start(paused=True)
    scheduling.sync_jobs(scheduler, settings)
    # As if the bot had gone down just before a run that fell due `late` ago.
    scheduler.modify_job(DIGEST_JOB_ID, next_run_time=datetime.now(UTC) - late)
    await stop_scheduler(scheduler)

    runs: list[datetime] = []

    async def recorder() -> None:
        runs.append(datetime.now(UTC))

    monkeypatch.setattr(scheduling, "weekly_digest_job", recorder)
    for _ in range(2):  # a restart, then another: the missed run fires at most once
        scheduler = build_scheduler(settings)
        start_scheduler(scheduler, settings)
        await asyncio.sleep(0.3)
        await stop_scheduler(scheduler)
    return len(runs)


async def test_a_run_missed_while_down_is_posted_on_return_within_the_grace(
    database, slack_api, monkeypatch
):
    assert (
        await _restart_after_missing_a_run(
            database, slack_api, monkeypatch, late=timedelta(minutes=20)
        )
        == 1
    )
    next_run = dict(stored_jobs(database))[DIGEST_JOB_ID]
    assert next_run is not None and next_run > datetime.now(UTC).timestamp()


async def test_a_run_missed_beyond_the_grace_is_skipped(database, slack_api, monkeypatch):
    assert (
        await _restart_after_missing_a_run(
            database, slack_api, monkeypatch, late=timedelta(hours=3)
        )
        == 0
    )


def test_next_digest_run_reads_the_cron_in_the_timezone(database):
    settings = digest_settings(database, digest_cron="30 8 * * mon")
    after = datetime(2026, 11, 24, 12, tzinfo=UTC)
    # Monday 30 Nov, 08:30 in Copenhagen = 07:30 UTC.
    assert next_digest_run(settings, after) == datetime(2026, 11, 30, 7, 30, tzinfo=UTC)


def test_job_functions_are_importable_by_reference():
    from apscheduler.util import ref_to_obj

    for ref in (scheduling.DIGEST_JOB, scheduling.SURVEY_JOB, scheduling.RETRY_JOB,
                scheduling.SWEEP_JOB):  # fmt: skip
        assert asyncio.iscoroutinefunction(ref_to_obj(ref))


def test_store_table_comes_from_the_migration(database):
    engine = make_engine(database)
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(SchedulerJob)).scalar()
    engine.dispose()
    assert count == 0
