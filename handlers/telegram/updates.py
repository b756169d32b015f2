"""Reading what the core needs out of a Telegram update: who, and what they sent.

The core knows a customer on Telegram as the address `Address("telegram", "<chat id>")`;
this module converts between that and the chat ids python-telegram-bot speaks.
"""

from __future__ import annotations

from telegram import Message, Update

from surveys.channels import Address
from surveys.engine import NonText, Typed
from surveys.service import Who

CHANNEL = "telegram"  # the channel name in customer_channels, sessions and answers

# Message fields that carry something other than text, in the order we name them in logs.
NON_TEXT_KINDS = (
    "sticker",
    "photo",
    "voice",
    "video_note",
    "video",
    "animation",
    "audio",
    "document",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
)


def who(update: Update) -> Who | None:
    """The chat and user behind an update; None for updates without a chat (inline...)."""
    user = update.effective_user
    chat = update.effective_chat
    chat_id = chat.id if chat is not None else (user.id if user is not None else None)
    if chat_id is None:
        return None
    return Who(
        channel=CHANNEL,
        address=str(chat_id),
        user_ref=str(user.id) if user is not None else None,
        language_code=user.language_code if user is not None else None,
    )


def address_of(chat_id: int) -> Address:
    return Address(CHANNEL, str(chat_id))


def chat_id_of(sender: Who) -> int:
    """The chat a `Who` made by `who()` came from."""
    return int(sender.address)


def customer_input(message: Message) -> Typed | NonText:
    if message.text is not None:
        return Typed(message.text)
    kind = next((name for name in NON_TEXT_KINDS if getattr(message, name, None)), "other")
    return NonText(kind)
