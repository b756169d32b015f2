"""The scheduler inside `retention-bot run`: the Monday digest, the daily survey send and
the weekly refit of the churn-risk model (RISK_REFIT_CRON).

APScheduler 3.x (`AsyncIOScheduler`, on the bot's event loop) with its job store in the
product database (`apscheduler_jobs`, created by migration 0003), so that:

- a restart neither loses nor doubles a job: each job has a fixed id and is written with
  `replace_existing=True`; when its trigger is unchanged, the stored `next_run_time` is
  kept, so a run that fell due while the bot was down is still there at start-up;
- a run missed while down is run once on return (`coalesce=True`) if it is late by less
  than DIGEST_MISFIRE_GRACE_MINUTES, and logged as missed otherwise;
- two bot processes on one database may both fire the job (APScheduler 3 does not lock
  a shared store), which is harmless: every (week, destination) post is claimed in
  `digest_posts` first (see `insights.digest.delivery`), so each is posted once.

Job functions are module-level coroutines referenced by name ("bot.scheduler:...") since
the store pickles references, not objects. Inside `run` they use the process's `Services`
(one engine, one risk model, the running bot's Telegram client), which the component
registers when it starts; called on their own (tests, a one-off) they build a short-lived
one from the settings they are given. Besides the persistent jobs, two in-memory ones are
added at every start: a retry of failed and abandoned digest posts right away, and a sweep
every DIGEST_CLAIM_STALE_MINUTES for posts whose process died mid-post.

`retention-bot run` wires it in with `SchedulerComponent(services)` (same
start/stop shape as `TelegramBot`), or with `build_scheduler` + `start_scheduler` +
`stop_scheduler` directly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.digest_posting import destinations, edition, post_week, retry_unsent
from bot.services import Services
from config import Settings, load_settings
from storage.database import make_engine
from storage.schema import SCHEDULER_JOBS_TABLE

if TYPE_CHECKING:
    from sqlalchemy import Engine

log = logging.getLogger(__name__)

DIGEST_JOB_ID = "weekly-digest"
SURVEY_JOB_ID = "daily-survey-send"
RETRY_JOB_ID = "digest-retry-at-start"
SWEEP_JOB_ID = "digest-stale-claims"
RISK_JOB_ID = "weekly-risk-refit"
RISK_JOB = "bot.scheduler:risk_refit_job"
DIGEST_JOB = "bot.scheduler:weekly_digest_job"
SURVEY_JOB = "bot.scheduler:survey_send_job"
RETRY_JOB = "bot.scheduler:retry_digests_job"
SWEEP_JOB = "bot.scheduler:stale_digests_job"
STOP_GRACE_SECONDS = 30.0

_running: set[asyncio.Task[Any]] = set()


# -- job functions (module level: the job store keeps "bot.scheduler:<name>") ------------


async def weekly_digest_job(settings: Settings | None = None, now: datetime | None = None) -> None:
    """Post the last full week's (or, with DIGEST_CADENCE=monthly, month's) digest to every
    destination that does not have it yet. The job keeps its id whatever the cadence."""
    with _tracked(), _services(settings) as services:
        now = now or services.clock()
        week = edition(services.settings).last_full(now, services.settings.tz)
        outcomes = await post_week(
            services.settings, services.factory, week, now, weights=services.risk_weights
        )
    for outcome in outcomes:
        log.info("digest %s to %s: %s", outcome.week, outcome.destination, outcome.status)


async def retry_digests_job(settings: Settings | None = None, now: datetime | None = None) -> None:
    """At start-up: post again what is recorded as failed, and abandoned claims."""
    with _tracked(), _services(settings) as services:
        await retry_unsent(
            services.settings, services.factory, now or services.clock(), include_failed=True
        )


async def stale_digests_job(settings: Settings | None = None, now: datetime | None = None) -> None:
    """Every few minutes: take over posts whose process died mid-post (stale claims)."""
    with _tracked(), _services(settings) as services:
        await retry_unsent(
            services.settings, services.factory, now or services.clock(), include_failed=False
        )


async def survey_send_job(settings: Settings | None = None) -> None:
    """Daily: what `retention-bot survey send --due` does (surveys and reminders due)."""
    # The Telegram edge, only when it is configured. Inside `run`, the bot's own
    # application sends, so surveys and the bot's replies share one rate limiter.
    from bot.telegram_app import running_application, send_due

    with _tracked(), _services(settings) as services:
        report = await send_due(
            services.settings, services.factory, application=running_application()
        )
    log.info("surveys due: %s", report.summary())


async def risk_refit_job(settings: Settings | None = None, now: datetime | None = None) -> None:
    """Weekly: refit the churn-risk model on the history (adopted unless it backtests worse).

    The fit is CPU work of seconds to minutes: it runs in a worker thread so the bot keeps
    answering meanwhile.
    """
    from bot.commands.risk import refit_now

    with _tracked(), _services(settings) as services:
        now = now or services.clock()
        result = await asyncio.to_thread(
            refit_now, services.settings, services.factory, services.risk_weights, now
        )
    log.info(
        "risk model v%s (%s): %s; %s",
        result.model.version,
        result.model.kind,
        result.backtest.summary(),
        result.note,
    )


_process: list[Services] = []  # the running process's services, set by SchedulerComponent


@contextmanager
def _services(settings: Settings | None) -> Iterator[Services]:
    """The running process's services, or (called on their own) short-lived ones."""
    if settings is None and _process:
        yield _process[0]
        return
    services = Services(settings or load_settings())
    try:
        yield services
    finally:
        services.close()


class _tracked:
    """Registers the running job's task, so a graceful stop can wait for it."""

    def __enter__(self) -> None:
        self.task = asyncio.current_task()
        if self.task is not None:
            _running.add(self.task)

    def __exit__(self, *exc: object) -> None:
        if self.task is not None:
            _running.discard(self.task)


# -- building, starting, stopping --------------------------------------------------------


def build_scheduler(settings: Settings, engine: Engine | None = None) -> AsyncIOScheduler:
    """A scheduler whose persistent job store is the product database (no jobs yet).

    Jobs are written by `start_scheduler`, after the store is open: adding them before
    would recompute their next run and forget a run missed while the bot was down.
    """
    engine = engine or make_engine(settings.database.url)
    return AsyncIOScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=engine, tablename=SCHEDULER_JOBS_TABLE),
            "memory": MemoryJobStore(),
        },
        executors={"default": AsyncIOExecutor()},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": settings.digest.misfire_grace_minutes * 60,
        },
        timezone=settings.tz,
    )


def _keep_or_replace(
    scheduler: AsyncIOScheduler, job_id: str, func: str, trigger: CronTrigger, grace: int
) -> None:
    """Write the job under its fixed id, keeping a pending run if nothing changed."""
    existing = scheduler.get_job(job_id, jobstore="default")
    options: dict[str, Any] = {}
    if (
        existing is not None
        and existing.func_ref == func
        and repr(existing.trigger) == repr(trigger)
        and existing.next_run_time is not None
    ):
        options["next_run_time"] = existing.next_run_time
    scheduler.add_job(
        func,
        trigger,
        id=job_id,
        name=job_id,
        jobstore="default",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=grace,
        **options,
    )


def _drop(scheduler: AsyncIOScheduler, job_id: str) -> None:
    if scheduler.get_job(job_id, jobstore="default") is not None:
        scheduler.remove_job(job_id, jobstore="default")


def sync_jobs(scheduler: AsyncIOScheduler, settings: Settings) -> list[str]:
    """Bring the stored jobs in line with the settings; one line per job for the log."""
    tz = settings.tz
    grace = settings.digest.misfire_grace_minutes * 60
    lines = []
    if destinations(settings):
        trigger = CronTrigger.from_crontab(settings.digest.cron, timezone=tz)
        _keep_or_replace(scheduler, DIGEST_JOB_ID, DIGEST_JOB, trigger, grace)
        lines.append(_describe(scheduler, DIGEST_JOB_ID, f"{settings.digest.cadence} digest"))
    else:
        _drop(scheduler, DIGEST_JOB_ID)
        lines.append(
            f"{settings.digest.cadence} digest: off "
            "(no SLACK_DIGEST_CHANNEL or TELEGRAM_MANAGER_CHAT_IDS)"
        )
    if _telegram_ready(settings):
        trigger = CronTrigger.from_crontab(settings.surveys.survey_send_cron, timezone=tz)
        _keep_or_replace(scheduler, SURVEY_JOB_ID, SURVEY_JOB, trigger, grace)
        lines.append(_describe(scheduler, SURVEY_JOB_ID, "survey send --due"))
    else:
        _drop(scheduler, SURVEY_JOB_ID)
        lines.append("survey send --due: off (the Telegram bot is not configured)")
    if settings.risk.refit_cron:
        trigger = CronTrigger.from_crontab(settings.risk.refit_cron, timezone=tz)
        _keep_or_replace(scheduler, RISK_JOB_ID, RISK_JOB, trigger, grace)
        lines.append(_describe(scheduler, RISK_JOB_ID, "risk model refit"))
    else:
        _drop(scheduler, RISK_JOB_ID)
        lines.append("risk model refit: off (RISK_REFIT_CRON is empty)")
    return lines


def _telegram_ready(settings: Settings) -> bool:
    from bot.telegram_app import TelegramBot

    return TelegramBot.not_configured(settings) is None


def _describe(scheduler: AsyncIOScheduler, job_id: str, what: str) -> str:
    job = scheduler.get_job(job_id, jobstore="default")
    when = job.next_run_time.strftime("%a %d %b %H:%M %Z") if job and job.next_run_time else "?"
    return f"{what}: next run {when}"


def start_scheduler(scheduler: AsyncIOScheduler, settings: Settings) -> list[str]:
    """Start on the running event loop with jobs in line with `settings`.

    Started paused, so that no job fires between opening the store and writing the
    jobs; resumed at the end, when runs missed while the bot was down fire (once).
    """
    scheduler.start(paused=True)
    try:
        lines = sync_jobs(scheduler, settings)
    except BaseException:
        scheduler.shutdown(wait=False)
        raise
    if destinations(settings):
        scheduler.add_job(
            RETRY_JOB, id=RETRY_JOB_ID, jobstore="memory", replace_existing=True,
            misfire_grace_time=None,
        )  # fmt: skip
        scheduler.add_job(
            SWEEP_JOB,
            IntervalTrigger(minutes=settings.digest.claim_stale_minutes, timezone=settings.tz),
            id=SWEEP_JOB_ID,
            jobstore="memory",
            replace_existing=True,
        )
    scheduler.resume()
    return lines


async def stop_scheduler(scheduler: AsyncIOScheduler, grace: float = STOP_GRACE_SECONDS) -> None:
    """Stop taking new runs, let running jobs finish (up to `grace` s), then shut down.

    A job cut off here leaves its digest claim 'pending'; it is taken over once stale.
    """
    if not scheduler.running:
        return
    scheduler.pause()
    running = [task for task in _running if not task.done()]
    if running:
        await asyncio.wait(running, timeout=grace)
    scheduler.shutdown(wait=False)


class SchedulerComponent:
    """The scheduler as a `retention-bot run` component (`start() -> str`, `stop()`)."""

    name = "scheduler"

    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings
        self.scheduler: AsyncIOScheduler | None = None

    async def start(self) -> str:
        _process[:] = [self.services]
        self.scheduler = build_scheduler(self.settings, self.services.engine)
        lines = start_scheduler(self.scheduler, self.settings)
        return "; ".join(lines)

    def problem(self) -> str | None:
        """For /healthz: a scheduler that stopped runs no digest and sends no survey."""
        if self.scheduler is None or not self.scheduler.running:
            return "the scheduler has stopped"
        return None

    async def stop(self) -> None:
        if self.scheduler is not None:
            await stop_scheduler(self.scheduler)
            self.scheduler = None
        if _process and _process[0] is self.services:
            _process.clear()


def next_digest_run(settings: Settings, after: datetime) -> datetime | None:
    """When DIGEST_CRON fires next after `after` (for messages and tests)."""
    trigger = CronTrigger.from_crontab(settings.digest.cron, timezone=settings.tz)
    return trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
