"""Customer commands: /start, /help, /stop, /resume, /forget, /language (private chats only).

Each handler translates the command into one survey-service call and renders the reply.
Commands sent in groups are ignored: surveys and personal data belong in a private chat.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import BotCommand, Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from handlers.telegram import render
from handlers.telegram.answers import PRIVATE_MESSAGES
from handlers.telegram.updates import chat_id_of, who
from surveys.i18n import DEFAULT_LANGUAGE, Catalog
from surveys.service import SurveyReply, SurveyService, Who

log = logging.getLogger(__name__)
COMMANDS = ("start", "help", "stop", "resume", "forget", "language")


async def publish_commands(application: Application, catalog: Catalog) -> None:  # type: ignore[type-arg]
    """Register the command menu with Telegram, once per language plus the default."""
    bot = application.bot

    def menu(language: str) -> list[BotCommand]:
        return [BotCommand(name, catalog.text(language, f"commands.{name}")) for name in COMMANDS]

    await bot.set_my_commands(menu(DEFAULT_LANGUAGE))
    for language in catalog.languages:
        await bot.set_my_commands(menu(language), language_code=language)


def register(application: Application, service: SurveyService) -> None:  # type: ignore[type-arg]
    def command(
        name: str, call: Callable[[Who, list[str]], Awaitable[SurveyReply]]
    ) -> CommandHandler:  # type: ignore[type-arg]
        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            sender = who(update)
            if sender is None:
                return
            reply = await call(sender, list(context.args or []))
            await render.deliver(context.bot, service, chat_id_of(sender), reply)

        return CommandHandler(name, handle, filters=PRIVATE_MESSAGES)

    application.add_handler(
        command("start", lambda sender, args: service.start(sender, args[0] if args else None))
    )
    application.add_handler(command("help", lambda sender, _: service.help(sender)))
    application.add_handler(command("stop", lambda sender, _: service.stop(sender)))
    application.add_handler(command("resume", lambda sender, _: service.resume(sender)))
    application.add_handler(command("forget", lambda sender, _: service.ask_forget(sender)))
    application.add_handler(command("language", lambda sender, _: service.choose_language(sender)))

    async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender = who(update)
        if sender is not None:
            reply = await service.help(sender)
            await render.deliver(context.bot, service, chat_id_of(sender), reply)

    # After the known commands: any other /command gets the help text.
    application.add_handler(MessageHandler(PRIVATE_MESSAGES & filters.COMMAND, unknown))
