"""Update JSON shaped as the Bot API documents it (https://core.telegram.org/bots/api#update).

Each builder returns a plain dict, exactly what Telegram would put in a getUpdates result
or a webhook body; `FakeBotApi.push()` assigns the `update_id`.
"""

from __future__ import annotations

import time
from itertools import count
from typing import Any

_message_ids = count(1)
_query_ids = count(1)


def user(chat_id: int, language: str | None = "en") -> dict[str, Any]:
    found: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": f"User{chat_id}"}
    if language is not None:
        found["language_code"] = language
    return found


def chat(chat_id: int) -> dict[str, Any]:
    if chat_id < 0:
        return {"id": chat_id, "type": "group", "title": "Some group"}
    return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}


def _message(chat_id: int, language: str | None, **content: Any) -> dict[str, Any]:
    sender = abs(chat_id) if chat_id < 0 else chat_id
    return {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat(chat_id),
        "from": user(sender, language),
        **content,
    }


def text(chat_id: int, body: str, language: str | None = "en") -> dict[str, Any]:
    return {"message": _message(chat_id, language, text=body)}


def command(chat_id: int, body: str, language: str | None = "en") -> dict[str, Any]:
    """A /command message: Telegram marks the command with a bot_command entity."""
    name = body.split()[0]
    entity = {"type": "bot_command", "offset": 0, "length": len(name)}
    return {"message": _message(chat_id, language, text=body, entities=[entity])}


def tap(
    chat_id: int, data: str, message_id: int = 1, language: str | None = "en"
) -> dict[str, Any]:
    """A press on an inline keyboard button of the bot's message `message_id`."""
    return {
        "callback_query": {
            "id": str(next(_query_ids)),
            "from": user(chat_id, language),
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat(chat_id),
                "text": "question",
            },
        }
    }


def sticker(chat_id: int) -> dict[str, Any]:
    return {
        "message": _message(
            chat_id,
            "en",
            sticker={
                "file_id": "CAACAgIAAxk",
                "file_unique_id": "AgADxk",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            },
        )
    }


def photo(chat_id: int, caption: str | None = None) -> dict[str, Any]:
    sizes = [{"file_id": "AgACAgI", "file_unique_id": "AQADx", "width": 90, "height": 90}]
    extra = {"caption": caption} if caption else {}
    return {"message": _message(chat_id, "en", photo=sizes, **extra)}


def voice(chat_id: int) -> dict[str, Any]:
    note = {"file_id": "AwACAgI", "file_unique_id": "AgADv", "duration": 3}
    return {"message": _message(chat_id, "en", voice=note)}


def edited(chat_id: int, body: str) -> dict[str, Any]:
    message = _message(chat_id, "en", text=body, edit_date=int(time.time()))
    return {"edited_message": message}


def member_status(chat_id: int, old: str, new: str) -> dict[str, Any]:
    """my_chat_member: for a private chat, the user blocked ("kicked") or restarted the bot."""
    bot = {"id": 123456789, "is_bot": True, "first_name": "Retention"}

    def member(status: str) -> dict[str, Any]:
        found: dict[str, Any] = {"user": bot, "status": status}
        if status == "kicked":
            found["until_date"] = 0  # banned for good
        return found

    return {
        "my_chat_member": {
            "chat": chat(chat_id),
            "from": user(chat_id),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
    }
