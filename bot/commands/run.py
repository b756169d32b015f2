"""`retention-bot run`: start every part that has its settings, until Ctrl-C or SIGTERM.

One line per component says whether it started or why it is not configured. The HTTP
server (when anything needs HTTP) starts first and stops first; the rest start in order
and stop in reverse: on SIGINT or SIGTERM no new request or update is taken, the ones in
hand are finished and stored, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from typing import Protocol

import click

from bot.context import AppContext
from storage.errors import UserError

log = logging.getLogger(__name__)
NOT_CONFIGURED = "not configured"
NO_HTTP = "nothing needs it: no Telegram webhook, no Slack HTTP mode, no API_KEYS"


class Component(Protocol):
    name: str

    async def start(self) -> str: ...

    async def stop(self) -> None: ...


@dataclass
class Slot:
    """One part of the process: its component (None when not configured) and its state."""

    name: str
    component: Component | None
    why_not: str | None = None
    state: str = NOT_CONFIGURED  # waiting, starting, running, stopping, stopped, failed

    def __post_init__(self) -> None:
        if self.component is not None and self.state == NOT_CONFIGURED:
            self.state = "waiting"  # configured, not started yet

    @property
    def stops_first(self) -> bool:
        return bool(getattr(self.component, "stops_first", False))


class NothingToRun(UserError):
    exit_code = 2


def components(app: AppContext) -> list[Slot]:
    """Every part in start order, built from the settings.

    One `AnswerHooks` is shared: tagging and Slack's alert listeners are on it before the
    Telegram bot, which stores answers, starts — so no answer arrives unheard.
    """
    # Platform libraries load only when running.
    from bot.digest_posting import destinations
    from bot.health import HealthCheck
    from bot.ingest_api import ApiComponent
    from bot.scheduler import SchedulerComponent
    from bot.slack_app import SlackBot
    from bot.telegram_app import TelegramBot, register_answer_listeners
    from bot.web import WebServer
    from surveys.hooks import AnswerHooks

    settings = app.settings
    why_not = {
        "slack": SlackBot.not_configured(settings),
        "telegram": TelegramBot.not_configured(settings),
        "api": ApiComponent.not_configured(settings),
        "scheduler": None
        if destinations(settings) or settings.telegram.bot_token
        else "no digest destination and no Telegram bot to schedule",
    }
    if all(why_not.values()):  # nothing to build: say why without touching the database
        return [Slot("http", None, NO_HTTP)] + [
            Slot(name, None, reason) for name, reason in why_not.items()
        ]
    app.database()  # the schema is current, or one line says which command fixes it
    services = app.services  # one engine, tagger, risk model... for every part
    hooks = AnswerHooks()
    register_answer_listeners(hooks, services)
    slack = None if why_not["slack"] else SlackBot(services)
    if slack is not None:
        slack.register_alert_listeners(hooks)
    telegram = None if why_not["telegram"] else TelegramBot(services, hooks=hooks)
    api = None
    if not why_not["api"]:
        api = ApiComponent(services, telegram.send_triggered if telegram else None, hooks)
    scheduler = None if why_not["scheduler"] else SchedulerComponent(services)
    slots = [
        Slot("slack", slack, why_not["slack"]),
        Slot("telegram", telegram, why_not["telegram"]),
        Slot("api", api, why_not["api"]),
        Slot("scheduler", scheduler, why_not["scheduler"]),
    ]
    routes = [
        *(slack.routes() if slack else []),
        *(telegram.routes() if telegram else []),
        *(api.routes() if api else []),
    ]
    if not routes:
        return [Slot("http", None, NO_HTTP), *slots]
    everything: list[Slot] = []
    health = HealthCheck(app.engine, lambda: {s.name: _described(s) for s in everything})
    everything += [Slot("http", WebServer(settings, routes, health)), *slots]
    return everything


def _described(slot: Slot) -> str:
    """The state /healthz reports; a running part may say it has stopped working."""
    if slot.component is None:
        return f"{NOT_CONFIGURED} ({slot.why_not})"
    check = getattr(slot.component, "problem", None)
    if slot.state == "running" and check is not None and (problem := check()):
        return f"failing: {problem}"
    return slot.state


async def serve(slots: list[Slot], stopping: asyncio.Event | None = None) -> None:
    """Start the slots, wait for SIGINT/SIGTERM (or `stopping`), stop them in order."""
    stopping = stopping or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Only the main thread (of a POSIX process) can take signals; elsewhere the caller
        # stops us by cancelling the task.
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
            loop.add_signal_handler(sig, stopping.set)
            handled.append(sig)
    started: list[Slot] = []
    try:
        for slot in slots:
            if slot.component is None:
                click.echo(f"{slot.name}: {NOT_CONFIGURED} ({slot.why_not})")
                continue
            slot.state = "starting"
            try:
                detail = await slot.component.start()
            except BaseException:
                slot.state = "failed"
                raise
            started.append(slot)
            slot.state = "running"
            click.echo(f"{slot.name}: started ({detail})")
        if not started:
            raise NothingToRun("nothing to run: no platform is configured")
        await stopping.wait()
    finally:
        # The HTTP server first (no new requests; those in flight finish), then the rest
        # in reverse order of starting, each finishing what it was handed.
        order = [s for s in started if s.stops_first] + [
            s for s in reversed(started) if not s.stops_first
        ]
        for slot in order:
            assert slot.component is not None
            slot.state = "stopping"
            try:
                await slot.component.stop()
            except Exception:  # the others must still stop and store what they hold
                log.exception("%s did not stop cleanly", slot.name)
                slot.state = "failed"
                continue
            slot.state = "stopped"
            click.echo(f"{slot.name}: stopped")
        for sig in handled:
            loop.remove_signal_handler(sig)


@click.command("run")
@click.pass_obj
def run(app: AppContext) -> None:
    """Run the assistant: Slack, the Telegram bot, the API and the scheduler, as configured.

    Each part starts when its settings are present (one line says which and why not);
    whatever needs HTTP (Telegram webhook, Slack HTTP mode, the API) is served by one
    server on HTTP_HOST:HTTP_PORT with /healthz. Ctrl-C or SIGTERM stops them cleanly,
    finishing the work in hand.
    """
    logging.getLogger().setLevel(app.settings.core.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Bot API call
    # Alembic logs its plugin set-up at INFO when it is first imported, which (commands
    # load on first use) is now after logging is configured: noise, not news.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    asyncio.run(serve(components(app)))


def register(group: click.Group) -> None:
    group.add_command(run)
