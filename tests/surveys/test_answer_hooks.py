"""The answer seam: listeners run after the commit, sync or async, and a failing one is
logged without stopping the others."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime

import pytest

from surveys.hooks import AnswerHooks, CompletedSurvey, StoredAnswer

WHEN = datetime(2026, 2, 2, tzinfo=UTC)
COMMENT = StoredAnswer(1, 10, 100, "nps", "comment", None, None, "Too slow", "en", WHEN)
SCORE = StoredAnswer(2, 10, 100, "nps", "score", 3, None, None, "en", WHEN)


async def test_listeners_get_every_answer_and_completion(caplog: pytest.LogCaptureFixture) -> None:
    hooks = AnswerHooks()
    tagged: list[tuple[str, str]] = []
    alerts: list[CompletedSurvey] = []

    @hooks.on_answer
    def tag(answer: StoredAnswer) -> None:  # sync: runs off the event loop
        assert threading.current_thread() is not threading.main_thread()
        if answer.is_free_text:
            tagged.append((answer.question, answer.text or ""))

    @hooks.on_answer
    def broken(answer: StoredAnswer) -> None:
        raise RuntimeError("tagger bug")

    @hooks.on_completed
    async def alert(done: CompletedSurvey) -> None:
        await asyncio.sleep(0)
        alerts.append(done)

    with caplog.at_level(logging.ERROR):
        hooks.answer_stored(SCORE)
        hooks.answer_stored(COMMENT)
        hooks.survey_completed(CompletedSurvey(10, 100, "nps", "en", WHEN, False, (SCORE, COMMENT)))
        await hooks.drain()
    assert tagged == [("comment", "Too slow")]
    assert len(alerts) == 1 and alerts[0].answer("score") == SCORE
    assert alerts[0].answer("reason") is None
    failures = [r for r in caplog.records if "broken failed" in r.getMessage()]
    assert len(failures) == 2
