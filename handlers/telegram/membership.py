"""Blocked and unblocked: Telegram tells a bot when a private chat blocks or restarts it.

A customer who blocks the bot is marked unreachable at once (so `--due` skips them instead
of collecting 403s); unblocking makes them reachable again.
"""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import Application, ChatMemberHandler, ContextTypes

from handlers.telegram.updates import address_of
from surveys.service import SurveyService


def register(application: Application, service: SurveyService) -> None:  # type: ignore[type-arg]
    async def on_my_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        status = change.new_chat_member.status
        if status == ChatMember.BANNED:
            await service.set_reachable(address_of(change.chat.id), reachable=False)
        elif status == ChatMember.MEMBER:
            await service.set_reachable(address_of(change.chat.id), reachable=True)

    application.add_handler(ChatMemberHandler(on_my_member, ChatMemberHandler.MY_CHAT_MEMBER))
