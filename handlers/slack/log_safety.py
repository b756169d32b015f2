"""Logging what Slack sends without logging what Slack sends: sizes and ids, bounded.

A request body, a typed `/churn` text or a button value is whatever the other side chose,
up to the body limit; written to the log as is, a few requests fill the disk (slack_bolt
logs the whole body of every request whose signature fails, and "unhandled request"
warnings carry values from it). Two guards:

- `clip(value)`: what our own log lines use for an id or a value from a request, its repr
  cut to a few dozen characters with the original length said (`shorten` for our own
  texts);
- `BoundedRecords`: a filter on bolt's base logger (bolt copies a base logger's filters to
  every logger it makes), which cuts each record's message, and each line of its
  traceback, and never lets a signature-failure line carry its body.
"""

from __future__ import annotations

import logging
import traceback

MAX_MESSAGE = 500  # characters of one bolt log message
MAX_TRACEBACK_LINE = 300
MAX_TRACEBACK = 8000
CLIP = 64
SIGNATURE_FAILURE = "Invalid request signature detected"


def clip(value: object, limit: int = CLIP) -> str:
    """`repr(value)`, cut to `limit` characters, saying how long it was when cut."""
    text = repr(value) if not isinstance(value, int) else str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, saying how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters not logged)"


def _bounded_traceback(error: BaseException) -> str:
    lines = "".join(traceback.format_exception(error)).splitlines()
    text = "\n".join(shorten(line, MAX_TRACEBACK_LINE) for line in lines)
    return shorten(text, MAX_TRACEBACK)


class BoundedRecords(logging.Filter):
    """Cuts a record's message and traceback to a bounded size; drops signature-failure bodies."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not format: say so, briefly
            message = f"(unformattable log record {clip(record.msg)})"
        if message.startswith(SIGNATURE_FAILURE):
            message = f"{SIGNATURE_FAILURE} (body not logged)"
        record.msg, record.args = shorten(message, MAX_MESSAGE), None
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and not record.exc_text:
            record.exc_text = _bounded_traceback(error)
        return True


def bounded_logger(name: str = "slack_bolt") -> logging.Logger:
    """The logger `name` with `BoundedRecords` on it (once, however often it is asked for)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, BoundedRecords) for f in logger.filters):
        logger.addFilter(BoundedRecords())
    return logger
