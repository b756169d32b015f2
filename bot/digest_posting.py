"""Wiring for the weekly digest: settings in, a composed digest and its posters out.

Used by `retention-bot digest` and by the scheduler's jobs alike, so a manual `--post`
and the Monday job go through the same claims in `digest_posts` and can never both post.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.telegram_client import LentBot
from config import ConfigError, Settings
from handlers.slack.digest import SlackDigestPoster
from insights import lifecycle
from insights.digest import Digest, IsoWeek, Month, compose, render_chart
from insights.digest.delivery import Outcome, Poster, PostLedger, RetryPolicy, deliver_all
from insights.digest.monthly import compose_month
from insights.risk import Weights, load_weights

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
# Failed posts of this many recent weeks are retried at start-up; older ones are only
# reported (a digest from two months ago helps nobody).
RETRY_WEEKS = 4
RETRY_MONTHS = 2  # the monthly edition's: last month's, and the one before


def edition(settings: Settings) -> type[IsoWeek] | type[Month]:
    """What one digest covers: an ISO week, or a calendar month (DIGEST_CADENCE)."""
    return Month if settings.digest.cadence == "monthly" else IsoWeek


def _of_edition(unit: type[IsoWeek] | type[Month], label: str) -> bool:
    """Whether a ledger key (`2026-W47`, `2026-11`) names a period of this edition."""
    try:
        parsed = unit.parse(label)
    except ValueError:
        return False
    return str(parsed) == label


def destinations(settings: Settings) -> list[Poster]:
    """A poster per configured destination; a destination missing its token is an error."""
    timeout = settings.digest.post_timeout_seconds
    posters: list[Poster] = []
    if settings.slack.digest_channel:
        if not settings.slack.bot_token:
            raise ConfigError("SLACK_DIGEST_CHANNEL is set but SLACK_BOT_TOKEN is not")
        posters.append(
            SlackDigestPoster(
                settings.slack.bot_token,
                settings.slack.digest_channel,
                settings.slack.api_url,
                timeout,
            )
        )
    if settings.telegram.manager_chat_ids:
        if not settings.telegram.bot_token:
            raise ConfigError("TELEGRAM_MANAGER_CHAT_IDS is set but TELEGRAM_BOT_TOKEN is not")
        # Imported here: python-telegram-bot is slow to import, and commands that only
        # compose a digest (and `--help`) should not pay for it.
        from handlers.telegram.digest import TelegramDigestPoster

        bot = LentBot(settings)  # one client for every chat: one pace
        for chat_id in dict.fromkeys(settings.telegram.manager_chat_ids):
            posters.append(TelegramDigestPoster(bot, chat_id, timeout))
    return posters


async def close_clients(posters: list[Poster]) -> None:
    """Close the Telegram client built for these posters (none when `run` lent its bot's)."""
    lent = {id(bot): bot for p in posters if isinstance(bot := getattr(p, "bot", None), LentBot)}
    for bot in lent.values():
        await bot.close()


def risk_weights(settings: Settings) -> Weights:
    try:
        return load_weights(settings.analysis.risk_weights_file)
    except (OSError, ValueError) as error:
        raise ConfigError(f"RISK_WEIGHTS_FILE: {error}") from None


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        attempts=settings.digest.post_attempts,
        first_delay=settings.digest.retry_seconds,
        attempt_timeout=settings.digest.post_timeout_seconds * 6,
    )


def ledger(settings: Settings, factory: sessionmaker[Session]) -> PostLedger:
    return PostLedger(factory, timedelta(minutes=settings.digest.claim_stale_minutes))


def compose_week(
    settings: Settings,
    factory: sessionmaker[Session],
    week: IsoWeek | Month,
    now: datetime,
    weights: Weights | None = None,
) -> Digest:
    """Bring churn up to date (grace periods that ran out), then compose the week (month)."""
    with factory() as session, session.begin():
        lifecycle.refresh(session, now, settings.payment_grace, settings.inactivity_window)
    with factory() as session:
        # One set of options for both editions, so a new one reaches the monthly digest too.
        compose_edition = compose_month if isinstance(week, Month) else compose
        return compose_edition(
            session,
            week,  # type: ignore[arg-type]
            settings.tz,
            now=now,
            weights=weights if weights is not None else risk_weights(settings),
            industry=settings.digest.retention_benchmark,
            min_sample=settings.digest.min_sample,
            currency=settings.core.currency,
        )


async def post_week(
    settings: Settings,
    factory: sessionmaker[Session],
    week: IsoWeek | Month,
    now: datetime,
    posters: list[Poster] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    weights: Weights | None = None,
) -> list[Outcome]:
    """Compose `week` once and post it to every destination not yet served."""
    posters = destinations(settings) if posters is None else posters
    if not posters:
        return []
    try:
        digest = await asyncio.to_thread(compose_week, settings, factory, week, now, weights)
        chart = await asyncio.to_thread(render_chart, digest)
        book = ledger(settings, factory)
        return await deliver_all(
            posters, str(week), digest, chart, book, retry_policy(settings), sleep
        )
    finally:
        await close_clients(posters)


async def retry_unsent(
    settings: Settings,
    factory: sessionmaker[Session],
    now: datetime,
    include_failed: bool = True,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> list[Outcome]:
    """Post again what is recorded as failed (and claims whose owner died), recent weeks."""
    book = ledger(settings, factory)
    unit = edition(settings)
    keep = RETRY_MONTHS if unit is Month else RETRY_WEEKS
    what = "months" if unit is Month else "weeks"
    oldest = unit.last_full(now, settings.tz).shift(1 - keep)
    # Keys of the other edition (the cadence was changed) are neither retried nor reported:
    # `2026-11` and `2026-W47` do not compare as periods.
    if include_failed:
        for week, destination, error in await asyncio.to_thread(book.abandoned, str(oldest)):
            if _of_edition(unit, week):
                log.warning(
                    "digest %s to %s failed (%s) and is older than %d %s: not retried",
                    week, destination, error, keep, what,
                )  # fmt: skip
    pending = [
        (week, destination)
        for week, destination in await asyncio.to_thread(book.unsent, str(oldest), include_failed)
        if _of_edition(unit, week)
    ]
    if not pending:
        return []
    by_destination = {poster.destination: poster for poster in destinations(settings)}
    outcomes: list[Outcome] = []
    for week_label in sorted({week for week, _ in pending}):
        wanted = [d for w, d in pending if w == week_label]
        posters = [by_destination[d] for d in wanted if d in by_destination]
        for gone in sorted(set(wanted) - set(by_destination)):
            log.warning("digest %s to %s: destination no longer configured", week_label, gone)
        if posters:
            outcomes += await post_week(
                settings, factory, unit.parse(week_label), now, posters, sleep
            )
    return outcomes
