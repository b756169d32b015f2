"""`retention-bot run`: start every platform that has its settings, until Ctrl-C or SIGTERM.

One line per component says whether it started or why it is not configured. On SIGINT or
SIGTERM each component stops taking new work, finishes what it holds and shuts down.
New components (Slack, the HTTP API, the scheduler) join the `components()` list.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Protocol

import click

from bot.context import AppContext
from storage.errors import UserError


class Component(Protocol):
    name: str

    async def start(self) -> str: ...

    async def stop(self) -> None: ...


class NothingToRun(UserError):
    exit_code = 2


def components(app: AppContext) -> list[tuple[str, Component | None, str | None]]:
    """(name, component or None, why not configured), in start order.

    One `AnswerHooks` is shared: tagging and Slack's alert listeners are on it before the
    Telegram bot, which stores answers, starts — so no answer arrives unheard.
    """
    # Platform libraries load only when running.
    from bot.digest_posting import destinations
    from bot.scheduler import SchedulerComponent
    from bot.slack_app import SlackBot
    from bot.telegram_app import TelegramBot, register_answer_listeners
    from surveys.hooks import AnswerHooks

    settings = app.settings
    why_not = {
        "slack": SlackBot.not_configured(settings),
        "telegram": TelegramBot.not_configured(settings),
        "scheduler": None
        if destinations(settings) or settings.telegram_bot_token
        else "no digest destination and no Telegram bot to schedule",
    }
    if all(why_not.values()):  # nothing to build: say why without touching the database
        return [(name, None, reason) for name, reason in why_not.items()]
    factory = app.database()
    hooks = AnswerHooks()
    register_answer_listeners(hooks, settings, factory)
    slack = None if why_not["slack"] else SlackBot(settings, factory)
    if slack is not None:
        slack.register_alert_listeners(hooks)
    telegram = None if why_not["telegram"] else TelegramBot(settings, factory, hooks=hooks)
    scheduler = None if why_not["scheduler"] else SchedulerComponent(settings, app.engine)
    return [
        ("slack", slack, why_not["slack"]),
        ("telegram", telegram, why_not["telegram"]),
        ("scheduler", scheduler, why_not["scheduler"]),
    ]


async def serve(candidates: list[tuple[str, Component | None, str | None]]) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Only the main thread (of a POSIX process) can take signals; elsewhere the caller
        # stops us by cancelling the task.
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
            loop.add_signal_handler(sig, stopping.set)
            handled.append(sig)
    started: list[Component] = []
    try:
        for name, component, reason in candidates:
            if component is None:
                click.echo(f"{name}: not configured ({reason})")
                continue
            detail = await component.start()
            started.append(component)
            click.echo(f"{name}: started ({detail})")
        if not started:
            raise NothingToRun("nothing to run: no platform is configured")
        await stopping.wait()
    finally:
        for component in reversed(started):
            await component.stop()
            click.echo(f"{component.name}: stopped")
        for sig in handled:
            loop.remove_signal_handler(sig)


@click.command("run")
@click.pass_obj
def run(app: AppContext) -> None:
    """Run the assistant: Slack, the Telegram bot and the scheduler, as configured.

    Each component starts when its settings are present (one line says which and why
    not); Ctrl-C or SIGTERM stops them cleanly, finishing the work in hand.
    """
    logging.getLogger().setLevel(app.settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Bot API call
    asyncio.run(serve(components(app)))


def register(group: click.Group) -> None:
    group.add_command(run)
