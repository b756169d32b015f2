"""Where the data lives: DATABASE_URL."""

from __future__ import annotations

from pydantic import Field, field_validator

from config.base import Area, area_config

DEFAULT_DATABASE_URL = "sqlite:///retention.db"


class DatabaseSettings(Area):
    model_config = area_config("DATABASE_")

    url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///file.db (default) or postgresql://user@host/db.",
    )

    @field_validator("url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        """Accept the URLs hosting providers hand out and pick the driver we ship."""
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        if not (value.startswith("sqlite") or value.startswith("postgresql")):
            raise ValueError("only sqlite:/// and postgresql:// URLs are supported")
        return value
