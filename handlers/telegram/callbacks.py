"""Callback data: the 64 bytes a Telegram button carries back to us, and nothing more.

Every button encodes one core `Action` as short ASCII (`a:<session>:<step>:<value>`).
Decoding is strict: anything that does not match a known shape exactly is None, and the
handler answers "not valid" and logs it. A well-formed action is still only a claim: the
survey service checks that the session belongs to the chat that tapped, that the step is
the current one and that the value is on the scale or in the choices, before storing it.
"""

from __future__ import annotations

import re

from surveys.prompts import Action, AnswerAction, ForgetAction, LanguageAction, SkipAction

MAX_BYTES = 64  # Telegram's limit for callback_data
_ANSWER = re.compile(r"a:([1-9]\d{0,17}):([a-z][a-z_]{0,15}):([a-z0-9][a-z0-9_]{0,15})")
_SKIP = re.compile(r"s:([1-9]\d{0,17}):([a-z][a-z_]{0,15})")
_LANGUAGE = re.compile(r"l:([a-z]{2,3})")
_FORGET = re.compile(r"f:([yn])")


def encode(action: Action) -> str:
    if isinstance(action, AnswerAction):
        data = f"a:{action.session_id}:{action.step}:{action.value}"
    elif isinstance(action, SkipAction):
        data = f"s:{action.session_id}:{action.step}"
    elif isinstance(action, LanguageAction):
        data = f"l:{action.language}"
    else:
        data = f"f:{'y' if action.confirmed else 'n'}"
    if decode(data) != action:
        raise ValueError(f"action {action!r} cannot travel as callback data")
    return data


def decode(data: object) -> Action | None:
    """The action `data` encodes, or None for anything else (forged, truncated, garbage)."""
    if not isinstance(data, str) or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    if match := _ANSWER.fullmatch(data):
        return AnswerAction(int(match[1]), match[2], match[3])
    if match := _SKIP.fullmatch(data):
        return SkipAction(int(match[1]), match[2])
    if match := _LANGUAGE.fullmatch(data):
        return LanguageAction(match[1])
    if match := _FORGET.fullmatch(data):
        return ForgetAction(match[1] == "y")
    return None
