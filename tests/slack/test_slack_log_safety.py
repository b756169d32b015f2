"""Log lines about Slack requests are bounded whatever the request held."""

from __future__ import annotations

import logging

import pytest

from handlers.slack.log_safety import (
    MAX_MESSAGE,
    MAX_TRACEBACK,
    BoundedRecords,
    bounded_logger,
    clip,
)


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("slack_bolt", logging.INFO, __file__, 1, msg, args, info)


def test_a_signature_failure_line_loses_its_body() -> None:
    body = "token=x&text=" + "secret " * 10_000
    record = _record("Invalid request signature detected (signature: v0=1, timestamp: 1, body: %s)",
                     body)  # fmt: skip
    assert BoundedRecords().filter(record)
    assert record.getMessage() == "Invalid request signature detected (body not logged)"


def test_long_messages_and_tracebacks_are_cut() -> None:
    try:
        int("9x" * 100_000)
    except ValueError as error:
        record = _record("Failed to run listener function (error: %s)", error, exc=error)
    BoundedRecords().filter(record)
    assert len(record.getMessage()) < MAX_MESSAGE + 100
    assert record.exc_text is not None and len(record.exc_text) < MAX_TRACEBACK + 100
    assert "ValueError" in record.exc_text
    text = logging.Formatter().format(record)  # the handler uses the cut traceback
    assert len(text) < MAX_MESSAGE + MAX_TRACEBACK + 200


def test_the_filter_is_installed_once_and_reaches_what_the_logger_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = bounded_logger("slack_bolt.test_child_of_ours")
    assert bounded_logger("slack_bolt.test_child_of_ours") is logger
    assert sum(isinstance(f, BoundedRecords) for f in logger.filters) == 1
    with caplog.at_level(logging.INFO):
        logger.info("value %s", "v" * 100_000)
    assert len(caplog.records[-1].getMessage()) < MAX_MESSAGE + 100


def test_clip_says_how_long_a_value_was() -> None:
    assert clip("U0ALLOWED1") == "'U0ALLOWED1'"
    assert clip(12) == "12"
    cut = clip("x" * 1000, 10)
    assert cut.startswith("'xxxxxxxxx") and cut.endswith("(1002 characters)")
    assert clip("line\nbreak") == "'line\\nbreak'"  # no forged log lines
