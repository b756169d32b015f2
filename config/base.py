"""What every settings area shares: where values come from and how they are checked.

Each area reads its variables from the environment and an optional `.env` file in the
working directory. A variable set to an empty string counts as unset (`env_ignore_empty`),
which is what `.env.example`'s blank lines mean.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

_PLACEHOLDER = re.compile(
    r"(change[-_ ]?me.*|your[-_ ].*|.*placeholder.*|x{3,}|todo|secret|password|example.*|<.*>)",
    re.IGNORECASE,
)


def area_config(prefix: str = "") -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=prefix,
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )


class Area(BaseSettings):
    """One area's settings; its variables are its prefix + the field name, upper-cased."""

    model_config = area_config()

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable a field is read from."""
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()


def refuse_placeholder(value: str) -> None:
    """A secret copied from .env.example unchanged is worse than none: refuse it by name."""
    if _PLACEHOLDER.fullmatch(value.strip()):
        raise ValueError("is a placeholder; set a real value")


def secret(value: str | None, valid: Callable[[str], bool], message: str) -> str | None:
    """A token or secret: unset stays unset; a placeholder or a malformed value is refused."""
    if value is None:
        return None
    value = value.strip()
    refuse_placeholder(value)
    if not valid(value):
        raise ValueError(message)
    return value


def blank_is_none(value: Any) -> Any:
    """An explicitly passed blank value (not only an empty variable) means unset."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def comma_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value
