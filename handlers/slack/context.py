"""What the Slack listeners need, handed over once by the composition root (`bot.slack_app`).

Listeners get this object instead of reading settings or opening databases themselves, so
a test builds one with a fixed clock and a test database, and the listeners cannot tell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from handlers.slack.access import Gatekeeper
from insights import lifecycle
from insights.risk import Weights
from insights.tagging import Tagger


class AlertQueue(Protocol):
    """Where a changed alert goes to have its Slack message posted or updated."""

    def submit(self, follow_up_id: int) -> None: ...


@dataclass
class SlackContext:
    factory: sessionmaker[Session]
    tz: tzinfo
    weights: Weights
    gatekeeper: Gatekeeper
    clock: Callable[[], datetime]  # the process's (bot.services), or a test's fixed one
    tagger: Callable[[], Tagger] = Tagger.default
    share_channels: frozenset[str] = frozenset()
    managers: frozenset[str] = frozenset()
    payment_grace: timedelta = timedelta(days=14)
    inactivity_window: timedelta | None = None
    currency: str | None = None  # CURRENCY, written after money amounts
    alerts: AlertQueue | None = field(default=None, repr=False)

    def refresh_lifecycle(self, now: datetime) -> None:
        """Churn up to date (grace periods that ran out) before figures are read."""
        with self.factory() as session, session.begin():
            lifecycle.refresh(session, now, self.payment_grace, self.inactivity_window)
