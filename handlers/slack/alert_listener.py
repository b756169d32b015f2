"""The answer listener that turns unhappy answers into Slack alerts (the notifier seam).

Registered on `surveys.hooks.AnswerHooks` at start-up. After every committed answer, and
once more when a survey completes (that is when a "yes" to a save offer is recorded), it
asks the core whether the session has, or now needs, an alert (`insights.alerts`) and
queues the alert's message for posting or updating. The database work runs in a worker
thread; the Slack call happens later, paced, in the sender.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from handlers.slack.context import AlertQueue
from insights import alerts
from insights.tagging import Tagger
from surveys.hooks import AnswerHooks, CompletedSurvey, StoredAnswer

log = logging.getLogger(__name__)


class AlertListener:
    def __init__(
        self,
        factory: sessionmaker[Session],
        tagger: Callable[[], Tagger],
        queue: AlertQueue,
        clock: Callable[[], datetime],
    ) -> None:
        self.factory = factory
        self.tagger = tagger
        self.queue = queue
        self.clock = clock

    def register(self, hooks: AnswerHooks) -> None:
        hooks.on_answer(self.on_answer)
        hooks.on_completed(self.on_completed)

    async def on_answer(self, answer: StoredAnswer) -> None:
        await self._check(answer.session_id, answer.answer_id)

    async def on_completed(self, completed: CompletedSurvey) -> None:
        await self._check(completed.session_id, None)

    async def _check(self, session_id: int, answer_id: int | None) -> None:
        change = await asyncio.to_thread(self._process, session_id, answer_id)
        if change is None:
            return
        if change.created:
            log.info("alert %s raised for survey session %s", change.follow_up_id, session_id)
        self.queue.submit(change.follow_up_id)

    def _process(self, session_id: int, answer_id: int | None) -> alerts.AlertChange | None:
        try:
            tagger: Tagger | None = self.tagger()  # loaded on first use
        except Exception:
            # Broken rules must not silence alerts: a detractor's score is enough.
            log.exception("the tagger could not be loaded; alerting without new tags")
            tagger = None
        with self.factory() as session, session.begin():
            return alerts.process_session(session, session_id, tagger, self.clock(), answer_id)
