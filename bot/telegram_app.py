"""Wiring for Telegram surveys: settings in, a running bot (or a one-off sender) out.

The composition root for the Telegram edge: builds python-telegram-bot's `Application`
with our base URL and rate limiter, the survey service with its hooks and save offers,
and the `TelegramBot` component `retention-bot run` starts and stops. Also the entry
points a scheduler calls: `send_due()` (everything due) and `send_now()` (one survey).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Collection
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ExtBot
from telegram.request import HTTPXRequest

import handlers.telegram as telegram_edge
from bot.services import Services
from config import ConfigError, Settings
from insights import feedback
from storage.database import transaction
from storage.errors import UserError
from surveys.definitions import builtin_surveys
from surveys.dispatch import Dispatcher, DispatchReport, ProgressCallback, Sent
from surveys.hooks import AnswerHooks, StoredAnswer
from surveys.i18n import builtin_catalog
from surveys.intake import Intake
from surveys.offers import SaveOffers, load_save_offers
from surveys.policy import SurveyPolicy
from surveys.service import SurveyService

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

# python-telegram-bot 22 warns on every RetryAfter (and other time periods) unless this
# opts in to the timedelta values its next major version will use; we never read them as
# ints. Set before any Telegram object is built.
os.environ.setdefault("PTB_TIMEDELTA", "true")

log = logging.getLogger(__name__)
POLL_TIMEOUT = timedelta(seconds=10)
RATE_LIMIT_RETRIES = 3  # RetryAfter answers honoured (waited out) before a send gives up
BotApplication = Application[Any, Any, Any, Any, Any, Any]


class TelegramUnavailable(UserError):
    """The Bot API refused the token or could not be reached."""

    exit_code = 2


def policy(settings: Settings) -> SurveyPolicy:
    return SurveyPolicy(
        nps_interval=timedelta(days=settings.surveys.nps_interval_days),
        cooldown=timedelta(days=settings.surveys.survey_cooldown_days),
        reminder_after=timedelta(hours=settings.surveys.reminder_hours),
        expires_after=timedelta(days=settings.surveys.survey_expiry_days),
    )


def save_offers(settings: Settings) -> SaveOffers:
    reasons = builtin_surveys()["exit"].step("reason").choices
    return load_save_offers(settings.surveys.save_offers_file, reasons)


def rate_limiter(settings: Settings) -> AIORateLimiter:
    # A bucket of one request refilled `rate` times a second: an even pace with no burst,
    # so no one-second window ever holds more than Telegram's ~30 messages.
    return AIORateLimiter(
        overall_max_rate=1,
        overall_time_period=1 / settings.telegram.max_messages_per_second,
        max_retries=RATE_LIMIT_RETRIES,
    )


def build_bot(settings: Settings) -> ExtBot[Any]:
    """The one way a Telegram client is made: our token, API URL and pace.

    The HTTP pools are the ones `ApplicationBuilder` would give (256 connections for calls,
    one for getUpdates); the bot `run` runs and the digest posted from the CLI both come
    from here, so both go through the rate limiter.
    """
    settings.require("telegram_bot_token")
    assert settings.telegram.bot_token is not None
    return ExtBot(
        settings.telegram.bot_token,
        base_url=settings.telegram.api_base_url,
        request=HTTPXRequest(connection_pool_size=256),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
        rate_limiter=rate_limiter(settings),
    )


def build_application(settings: Settings) -> BotApplication:
    """A python-telegram-bot Application around `build_bot`'s client (no handlers).

    It has no Updater: updates reach it from the durable intake (`surveys.intake`), fed by
    our webhook route or our own poller, both of which store an update before Telegram is
    told it arrived.
    """
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder().bot(build_bot(settings)).updater(None)
    )
    return builder.build()


def register_answer_listeners(hooks: AnswerHooks, services: Services) -> None:
    """The seam: features that react to answers register here at start-up.

    Tagging runs on every stored answer (churn reasons and sentiment land in the database
    right after the answer itself); the Slack alert listeners are added by
    `bot.slack_app.SlackBot.register_alert_listeners` when Slack is configured. Anything a
    listener misses (a crash between commit and listener) is picked up by
    `insights.feedback.tag_pending`, which `retention-bot retag`, imports and the
    scheduler's catch-up run.
    """
    factory = services.factory

    def tag(answer: StoredAnswer) -> None:
        if feedback.is_taggable(answer.text, answer.question, answer.choice):
            tagger = services.live_tagger  # shipped + the newest company models
            with transaction(factory) as session:
                feedback.tag_answer(session, tagger, answer.answer_id)

    hooks.on_answer(tag)


def build_service(
    settings: Settings, factory: sessionmaker[Session], hooks: AnswerHooks | None = None
) -> SurveyService:
    """The survey service for the bot. Whoever passes `hooks` has registered its listeners
    (as `bot.slack_app` does); without, the ones of `register_answer_listeners` are used."""
    if hooks is None:
        hooks = AnswerHooks()
        register_answer_listeners(hooks, Services(settings, factory=factory))
    return SurveyService(
        factory,
        surveys=builtin_surveys(),
        catalog=builtin_catalog(),
        offers=save_offers(settings),
        hooks=hooks,
        link_secret=settings.surveys.link_secret,
    )


def build_dispatcher(
    settings: Settings, factory: sessionmaker[Session], application: BotApplication
) -> Dispatcher:
    return Dispatcher(
        factory,
        telegram_edge.TelegramSender(application.bot),
        surveys=builtin_surveys(),
        catalog=builtin_catalog(),
        offers=save_offers(settings),
        policy=policy(settings),
    )


async def initialize(application: BotApplication, settings: Settings) -> None:
    """Initialise the application (getMe), turning Bot API failures into one-line errors."""
    try:
        try:
            await application.initialize()
        except BaseException:
            await application.bot.shutdown()  # close the HTTP pools getMe opened
            raise
    except InvalidToken:
        raise TelegramUnavailable(
            "Telegram refused TELEGRAM_BOT_TOKEN (revoked or mistyped?)"
        ) from None
    except NetworkError as error:
        raise TelegramUnavailable(
            f"cannot reach the Bot API at {settings.telegram.api_base_url}: {error}"
        ) from None


@contextlib.asynccontextmanager
async def connected(application: BotApplication, settings: Settings) -> AsyncIterator[None]:
    """The application initialised for the block, shut down after it."""
    await initialize(application, settings)
    try:
        yield
    finally:
        await application.shutdown()


async def bot_username(settings: Settings) -> str:
    """TELEGRAM_BOT_USERNAME, or the username getMe reports for the token."""
    if settings.telegram.bot_username:
        return settings.telegram.bot_username
    if not settings.telegram.bot_token:
        raise ConfigError(
            "TELEGRAM_BOT_USERNAME is not set (nor TELEGRAM_BOT_TOKEN to ask Telegram for it)"
        )
    application = build_application(settings)
    async with connected(application, settings):
        return application.bot.username


async def send_due(
    settings: Settings,
    factory: sessionmaker[Session],
    on_progress: ProgressCallback | None = None,
    application: BotApplication | None = None,
) -> DispatchReport:
    """Send every survey and reminder that is due: the scheduler's job, and `--due`'s.

    Inside the running bot, pass its `application` (`TelegramBot.application`): the sends
    then share its rate limiter with the bot's replies instead of pacing separately.
    """
    if application is not None:
        return await build_dispatcher(settings, factory, application).send_due(on_progress)
    application = build_application(settings)
    async with connected(application, settings):
        return await build_dispatcher(settings, factory, application).send_due(on_progress)


async def send_now(
    settings: Settings, factory: sessionmaker[Session], survey: str, external_id: str
) -> Sent:
    """Send one survey to one customer now (`survey send KIND --customer ID`)."""
    application = build_application(settings)
    async with connected(application, settings):
        return await build_dispatcher(settings, factory, application).send_now(survey, external_id)


_running: list[BotApplication] = []  # the bot `run` runs in this process, if any


def running_application() -> BotApplication | None:
    """The running bot's application, for jobs that send in the same process."""
    return _running[0] if _running else None


class TelegramBot:
    """The `run` component: the bot answering customers, by polling or by webhook.

    In webhook mode it serves no HTTP itself: `routes()` gives the webhook route, which
    `bot.web.WebServer` mounts on the one HTTP server (started before this component, so
    the route is listening when `setWebhook` tells Telegram to use it).
    """

    name = "telegram"

    def __init__(
        self,
        services: Services,
        hooks: AnswerHooks | None = None,
        poll_timeout: timedelta = POLL_TIMEOUT,
    ) -> None:
        settings = self.settings = services.settings
        factory = self.factory = services.factory
        if hooks is None:
            hooks = AnswerHooks()
            register_answer_listeners(hooks, services)
        self.hooks = hooks
        self.poll_timeout = poll_timeout
        self.polling = settings.telegram.mode == "polling"
        self.service = build_service(settings, factory, hooks)
        self.application: BotApplication | None = build_application(settings)
        telegram_edge.register(self.application, self.service)
        self.intake = Intake(
            factory, telegram_edge.INTAKE_SOURCE, telegram_edge.handler(self.application)
        )
        self.poller: telegram_edge.Poller | None = None
        self._initialized = False

    @staticmethod
    def not_configured(settings: Settings) -> str | None:
        """Why the bot cannot start with these settings, or None when it can."""
        if not settings.telegram.bot_token:
            return "TELEGRAM_BOT_TOKEN is not set"
        if not settings.surveys.link_secret:
            return "LINK_SECRET is not set; customers could not link their chats"
        if settings.telegram.mode == "webhook":
            missing = [
                name
                for name in ("telegram_webhook_url", "telegram_webhook_secret")
                if not settings.value(name)
            ]
            if missing:
                return " and ".join(n.upper() for n in missing) + " must be set in webhook mode"
        return None

    @property
    def needs_http(self) -> bool:
        return not self.polling

    def routes(self) -> list[BaseRoute]:
        """The webhook route (webhook mode), for the HTTP server to serve."""
        if self.polling:
            return []
        assert self.application is not None and self.settings.telegram.webhook_secret
        application = self.application
        return [
            telegram_edge.webhook_route(
                application,
                self.settings.telegram.webhook_secret,
                self.intake,
                ready=lambda: application.running and self.intake.running,
            )
        ]

    async def start(self) -> str:
        """Start answering customers; returns a short description of how."""
        application = self.application
        if application is None:
            raise RuntimeError("a stopped TelegramBot cannot start again; build a new one")
        settings = self.settings
        await initialize(application, settings)
        self._initialized = True
        try:
            await telegram_edge.publish_commands(application, builtin_catalog())
            await application.start()
            # Updates an earlier process stored but did not finish are handled first.
            self.intake.start()
            try:
                if self.polling:
                    self.poller = telegram_edge.Poller(
                        application,
                        self.intake,
                        timeout=self.poll_timeout,
                        allowed_updates=telegram_edge.ALLOWED_UPDATES,
                    )
                    await self.poller.start()
                    how = f"polling as @{application.bot.username}"
                else:
                    how = await self._set_webhook(application)
                _running[:] = [application]
                return how
            except BaseException:
                await self.intake.stop(drain_seconds=0)
                await application.stop()
                raise
        except BaseException:
            await application.shutdown()
            self.application = None
            raise

    async def _set_webhook(self, application: BotApplication) -> str:
        settings = self.settings
        assert settings.telegram.webhook_url and settings.telegram.webhook_secret
        try:
            await application.bot.set_webhook(
                settings.telegram.webhook_url,
                secret_token=settings.telegram.webhook_secret,
                allowed_updates=telegram_edge.ALLOWED_UPDATES,
            )
        except TelegramError as error:
            raise TelegramUnavailable(f"setWebhook failed: {error}") from None
        return (
            f"webhook {settings.telegram.webhook_url} as @{application.bot.username}, "
            f"served at {telegram_edge.WEBHOOK_PATH}"
        )

    def problem(self) -> str | None:
        """Why a started bot no longer takes updates (for /healthz), or None."""
        application = self.application
        if application is None or not application.running:
            return "the bot has stopped"
        if not self.intake.running:
            return "the update worker has stopped"
        if self.polling and (self.poller is None or not self.poller.running):
            failure = self.poller.failure if self.poller is not None else None
            return f"polling has stopped: {failure}" if failure else "polling has stopped"
        return None

    async def send_triggered(self, event_ids: Collection[int]) -> DispatchReport:
        """Send now the surveys these stored events trigger (the API's cancellations)."""
        application = self.application
        if application is None or not application.running:
            return DispatchReport()  # the next scheduled `send_due` picks them up
        dispatcher = build_dispatcher(self.settings, self.factory, application)
        return await dispatcher.send_triggered(event_ids)

    async def stop(self) -> None:
        """Stop taking updates, finish the ones in hand, wait for answer listeners."""
        application = self.application
        if application is None:
            return
        if running_application() is application:
            _running.clear()
        if self.poller is not None:
            await self.poller.stop()
            self.poller = None
        # Stored updates that are ready are handled now (bounded); any left wait in the
        # database for the next start.
        await self.intake.stop()
        if application.running:
            await application.stop()
        await self.service.hooks.drain()
        if self._initialized:
            await application.shutdown()
        self.application = None
