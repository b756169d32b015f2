"""The seam where other features react to answers: tagging, sentiment, detractor alerts.

The survey service stores an answer, commits, and then calls every listener registered on
`AnswerHooks`. Listeners get plain, committed data (never an ORM object bound to a session
that is gone) and run after the customer has been answered, in the background: a slow
Slack call never makes the next question wait, and a failing listener is logged and never
undoes or blocks the answer (the data is already safe; a listener that must not miss
anything can re-scan for rows it has not processed, e.g. `answers.tagged_at IS NULL`).

Wiring happens once, at start-up, in the composition root (`bot`):

    hooks = AnswerHooks()
    hooks.on_answer(tag_answer)          # e.g. insights tagging: def tag_answer(a): ...
    hooks.on_completed(alert_detractor)  # e.g. Slack alert: async def alert_detractor(c): ...

Listeners may be plain functions (run in a worker thread, so database work does not block
the bot) or coroutine functions (awaited on the bot's event loop).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """One answer as committed to `answers` (its `answer_id` is the row id)."""

    answer_id: int
    session_id: int
    customer_id: int
    survey: str
    question: str
    score: int | None
    choice: str | None
    text: str | None
    language: str | None
    answered_at: datetime

    @property
    def is_free_text(self) -> bool:
        return self.text is not None


@dataclass(frozen=True, slots=True)
class CompletedSurvey:
    """A session that reached its end, with every answer it holds."""

    session_id: int
    customer_id: int
    survey: str
    language: str | None
    completed_at: datetime
    save_opportunity: bool
    answers: tuple[StoredAnswer, ...]

    def answer(self, question: str) -> StoredAnswer | None:
        return next((a for a in self.answers if a.question == question), None)


AnswerListener = Callable[[StoredAnswer], Awaitable[None] | None]
CompletedListener = Callable[[CompletedSurvey], Awaitable[None] | None]
E = TypeVar("E", StoredAnswer, CompletedSurvey)


class AnswerHooks:
    """Listeners for stored answers and completed surveys, called after each commit."""

    def __init__(self) -> None:
        self._answer: list[AnswerListener] = []
        self._completed: list[CompletedListener] = []
        self._pending: set[asyncio.Task[None]] = set()

    def on_answer(self, listener: AnswerListener) -> AnswerListener:
        """Call `listener` after every stored answer (scores, choices and free text alike:
        tagging looks at `answer.text`, a detractor rule at `answer.score`)."""
        self._answer.append(listener)
        return listener

    def on_completed(self, listener: CompletedListener) -> CompletedListener:
        """Call `listener` once a session is complete, with all of its answers."""
        self._completed.append(listener)
        return listener

    def answer_stored(self, answer: StoredAnswer) -> None:
        for listener in self._answer:
            self._spawn(listener, answer)

    def survey_completed(self, completed: CompletedSurvey) -> None:
        for listener in self._completed:
            self._spawn(listener, completed)

    def _spawn(self, listener: Callable[[E], Awaitable[None] | None], event: E) -> None:
        task = asyncio.get_running_loop().create_task(_call(listener, event))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait for every listener still running (at shutdown, and in tests)."""
        while self._pending:
            await asyncio.gather(*list(self._pending))


async def _call(listener: Callable[[E], Any], event: E) -> None:
    name = getattr(listener, "__qualname__", repr(listener))
    try:
        if inspect.iscoroutinefunction(listener):
            await listener(event)
        else:
            result = await asyncio.to_thread(listener, event)
            if inspect.isawaitable(result):
                await result
    except Exception:
        log.exception("answer listener %s failed on %r", name, event)
