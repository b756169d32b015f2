"""Slack Web API errors another attempt cannot fix: one list for every Slack caller.

The configuration (token, channel, scopes) or the message is wrong, or the message to
update is gone; retrying only delays the error the operator must see. Alert posting and
the digest both retry everything else (rate limits after Retry-After, timeouts, 5xx).
"""

from __future__ import annotations

PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "cant_update_message",
        "channel_not_found",
        "edit_window_closed",
        "invalid_auth",
        "invalid_blocks",
        "is_archived",
        "message_not_found",
        "missing_scope",
        "msg_too_long",
        "no_permission",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "token_revoked",
    }
)
