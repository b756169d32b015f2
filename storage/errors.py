"""The storage layer's user-facing errors; the whole hierarchy is drawn in `config.errors`."""

from __future__ import annotations

from config.errors import UserError

__all__ = ["DatabaseUnavailable", "SchemaBehind", "SchemaError", "UserError"]


class SchemaError(UserError):
    """The database's schema revision differs from the code's."""

    exit_code = 2


class SchemaBehind(SchemaError):
    """The database is older than the code: migrations must be applied."""


class DatabaseUnavailable(UserError):
    """The database URL points at something we cannot connect to."""

    exit_code = 2
