"""The ingestion API: who may call it and how big a batch may be."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from config.base import Area, area_config, comma_list, refuse_placeholder

# Long enough that guessing is hopeless; the characters a header carries as is.
_API_KEY = re.compile(r"[A-Za-z0-9._~-]{32,256}")


class ApiSettings(Area):
    model_config = area_config("API_")

    keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        repr=False,
        description="Comma-separated bearer keys for /api (two during a rotation).",
    )
    max_batch: int = Field(
        default=5_000, ge=1, le=100_000, description="Most records in one API request."
    )

    @field_validator("keys", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        return comma_list(value)

    @field_validator("keys")
    @classmethod
    def _check_keys(cls, value: list[str]) -> list[str]:
        for position, key in enumerate(value, start=1):
            try:
                refuse_placeholder(key)
            except ValueError:
                raise ValueError(f"key {position} is a placeholder; set a real value") from None
            if not _API_KEY.fullmatch(key):
                raise ValueError(
                    f"key {position} must be 32-256 of A-Z a-z 0-9 _ - . ~ (openssl rand -hex 32)"
                )
        return value
