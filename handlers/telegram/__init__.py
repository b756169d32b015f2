"""The Telegram edge: customer conversations in private chats.

Handlers translate updates into `surveys.service.SurveyService` calls and render the
replies; no survey rule lives here. `register(application, service)` installs them all.
"""

from __future__ import annotations

from telegram.ext import Application

from handlers.telegram import answers, commands, errors, membership
from handlers.telegram.commands import publish_commands
from handlers.telegram.intake import SOURCE as INTAKE_SOURCE
from handlers.telegram.intake import Poller, handler
from handlers.telegram.sender import TelegramSender
from handlers.telegram.webhook import PATH as WEBHOOK_PATH
from handlers.telegram.webhook import SECRET_HEADER, webhook_route
from surveys.service import SurveyService

ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")


def register(application: Application, service: SurveyService) -> None:  # type: ignore[type-arg]
    commands.register(application, service)
    answers.register(application, service)
    membership.register(application, service)
    errors.register(application, service)


__all__ = [
    "ALLOWED_UPDATES",
    "INTAKE_SOURCE",
    "SECRET_HEADER",
    "WEBHOOK_PATH",
    "Poller",
    "TelegramSender",
    "handler",
    "publish_commands",
    "register",
    "webhook_route",
]
