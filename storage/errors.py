"""The exceptions the program raises on purpose, and what each means for a user.

    UserError                 a problem the user can fix; the CLI prints its text on one line
    ├── ConfigError           (bot.errors) a setting is missing or invalid -> exit 2
    ├── SchemaError           the database schema is not the one this code expects -> exit 2
    │   └── SchemaBehind      `retention-bot db upgrade` fixes it
    └── DatabaseUnavailable   the database cannot be reached or opened -> exit 2

Everything else is a bug and keeps its traceback. The root lives in the lowest layer so every
layer can raise a user-facing error without importing upward.
"""

from __future__ import annotations


class UserError(Exception):
    """An error whose message is written for the user, not the developer."""

    exit_code = 1


class SchemaError(UserError):
    """The database's schema revision differs from the code's."""

    exit_code = 2


class SchemaBehind(SchemaError):
    """The database is older than the code: migrations must be applied."""


class DatabaseUnavailable(UserError):
    """The database URL points at something we cannot connect to."""

    exit_code = 2
