"""Errors of the composition root; the full hierarchy is drawn in `storage.errors`."""

from __future__ import annotations

from storage.errors import UserError


class ConfigError(UserError):
    """A setting is missing or invalid; the message names the variable."""

    exit_code = 2
