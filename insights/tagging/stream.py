"""``tag_lines``: the line-in, JSON-object-out contract the CLI wraps.

Each input line is plain text or a JSON object ``{"text", "lang"?, "score"?,
"survey"?}``; each yields exactly one dict, in order, lazily, so a CLI can
stream a file of any size. A bad line yields ``{"error": ..., "line": N}``
(1-based) and the run goes on: one broken row must not lose a whole import.
Nothing a line holds may end the run: not a nesting deep enough to exhaust
Python's recursion, not a number too long to convert, not a megabyte of text
(the tagger reads the first ``MAX_TEXT_CHARS`` of it and says it cut the rest).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from insights.json_depth import MAX_JSON_DEPTH, json_depth_exceeds

from .tagger import Tagger

FILE_BATCH = 256
"""Lines tagged together when reading a file (``tag_lines(..., batch=FILE_BATCH)``): large
enough that the model's per-batch numpy calls cost little a text, small enough that the
batch's features (~300 columns x 10 outputs a text) stay a few MB."""


def _error(msg: str, n: int) -> dict[str, Any]:
    return {"error": msg, "line": n}


def _strip_line_end(raw: str) -> str:
    """The line without its "\\n" or "\\r\\n". A lone "\\r" is text (pasted from an
    old Mac file or a form field), not a line end: it stays where it is."""
    if raw.endswith("\n"):
        raw = raw[:-1]
        if raw.endswith("\r"):
            raw = raw[:-1]
    return raw


def _parse_object(stripped: str) -> tuple[Any, str | None]:
    """(the parsed JSON, None) or (None, why the line cannot be read)."""
    if json_depth_exceeds(stripped):
        return None, f"invalid JSON: nested deeper than {MAX_JSON_DEPTH} levels"
    try:
        return json.loads(stripped), None
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} at column {exc.colno}"
    except ValueError:
        # a number of more than 4,300 digits (Python's int conversion limit)
        return None, "invalid JSON: a number is too long"
    except RecursionError:  # pragma: no cover - the depth check refuses such lines first
        return None, "invalid JSON: nested too deeply"


def _parse_line(raw: str, n: int) -> tuple[str, Any, Any, Any] | dict[str, Any]:
    """(text, lang, score, survey) of one input line, or its error object."""
    line = _strip_line_end(raw)
    if not line.strip():
        return _error("empty line", n)
    stripped = line.strip()
    if not stripped.startswith("{"):
        return line, None, None, None
    obj, problem = _parse_object(stripped)
    if problem is not None:
        return _error(problem, n)
    if not isinstance(obj, dict):  # pragma: no cover - '{' always parses to a dict
        return _error("JSON line must be an object", n)
    text = obj.get("text")
    if not isinstance(text, str):
        return _error("JSON object needs a string 'text'", n)
    if not text.strip():
        return _error("empty text", n)
    lang, score, survey = obj.get("lang"), obj.get("score"), obj.get("survey")
    if isinstance(score, float) and score.is_integer():
        score = int(score)  # 7.0 from a spreadsheet export is the score 7
    if lang is not None and not isinstance(lang, str):
        return _error("'lang' must be a string", n)
    if survey is not None and not isinstance(survey, str):
        return _error("'survey' must be a string", n)
    return text, lang, score, survey


def tag_lines(
    lines: Iterable[str], tagger: Tagger | None = None, batch: int = 1
) -> Iterator[dict[str, Any]]:
    """Tag each line; yield ``TagResult.to_json()`` or a per-line error object.

    ``batch`` lines are read before any is answered and tagged together
    (``Tagger.tag_many``: the learned model scores them at once, ~2x less model time a
    text at 256); the default 1 answers each line as soon as it is read (stdin)."""
    tg = tagger if tagger is not None else Tagger.default()
    pending: list[tuple[int, tuple[str, Any, Any, Any] | dict[str, Any]]] = []
    for n, raw in enumerate(lines, start=1):
        pending.append((n, _parse_line(raw, n)))
        if len(pending) >= batch:
            yield from _answer(tg, pending)
            pending = []
    if pending:
        yield from _answer(tg, pending)


def _answer(
    tg: Tagger, pending: list[tuple[int, tuple[str, Any, Any, Any] | dict[str, Any]]]
) -> Iterator[dict[str, Any]]:
    """The output objects of parsed lines, in order (errors where a line had one)."""
    items = [p for _, p in pending if isinstance(p, tuple)]
    # the output has no evidence, so none is computed
    results = iter(tg.tag_many(items, explain=False))
    for n, parsed in pending:
        if isinstance(parsed, dict):
            yield parsed
            continue
        result = next(results)
        yield _error(str(result), n) if isinstance(result, ValueError) else result.to_json()
