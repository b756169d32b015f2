"""Who may use /churn and the alert buttons: listed users, or members of listed user groups.

Customer data is for the retention team, not for everyone in the workspace who can type a
slash command. A user is allowed when their id is in SLACK_ALLOWED_USERS or they belong to
a group in SLACK_ALLOWED_USERGROUPS. Group members come from `usergroups.users.list`,
cached for a minute (a click must not wait for Slack every time, and someone removed from
the group loses access within that minute). If Slack cannot be asked, the last known
members are used; with none known, the answer is no: failing closed.

With neither setting, nobody is allowed; `SlackBot.not_configured` says so at start-up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable

from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack.log_safety import clip, shorten

log = logging.getLogger(__name__)
CACHE_SECONDS = 60.0

REFUSAL = (
    "Sorry, /churn is only for the retention team, so I can't show you this. "
    "If you need access, ask whoever runs the retention bot to add you."
)


class Gatekeeper:
    def __init__(
        self,
        client: AsyncWebClient,
        users: Iterable[str],
        usergroups: Iterable[str] = (),
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.users = frozenset(users)
        self.usergroups = tuple(dict.fromkeys(usergroups))
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = asyncio.Lock()

    async def allows(self, user_id: object) -> bool:
        if not isinstance(user_id, str) or not user_id:
            return False
        if user_id in self.users:
            return True
        for group in self.usergroups:
            if user_id in await self._group_members(group):
                return True
        return False

    def log_refusal(self, user_id: object, what: str) -> None:
        """Log a refused attempt: who and what they tried, never any customer data, and
        nothing of unbounded size (the id is whatever the request said)."""
        log.warning(
            "refused Slack user %s: %s (not in SLACK_ALLOWED_USERS or _USERGROUPS)",
            clip(user_id, 40),
            shorten(what, 200),
        )

    async def _group_members(self, group: str) -> frozenset[str]:
        now = self.clock()
        cached = self._members.get(group)
        if cached is not None and now - cached[0] < self.cache_seconds:
            return cached[1]
        async with self._lock:
            cached = self._members.get(group)
            if cached is not None and self.clock() - cached[0] < self.cache_seconds:
                return cached[1]
            try:
                response = await self.client.usergroups_users_list(usergroup=group)
                members = frozenset(response.get("users") or ())
            except SlackClientError as error:
                log.error("cannot read members of user group %s: %s", group, error)
                return cached[1] if cached is not None else frozenset()
            self._members[group] = (self.clock(), members)
            return members
