"""The exceptions the program raises on purpose, and what each means for a user.

    UserError                 a problem the user can fix; the CLI prints its text on one line
    ├── ConfigError           a setting is missing or invalid -> exit 2
    ├── SchemaError           (storage.errors) the schema is not the one this code expects
    │   └── SchemaBehind      `retention-bot db upgrade` fixes it
    └── DatabaseUnavailable   (storage.errors) the database cannot be reached -> exit 2

Everything else is a bug and keeps its traceback. The root lives in the lowest layer so every
layer can raise a user-facing error without importing upward.
"""

from __future__ import annotations


class UserError(Exception):
    """An error whose message is written for the user, not the developer."""

    exit_code = 1


class ConfigError(UserError):
    """A setting is missing or invalid; the message names the variable."""

    exit_code = 2
