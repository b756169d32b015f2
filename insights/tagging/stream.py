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


def tag_lines(lines: Iterable[str], tagger: Tagger | None = None) -> Iterator[dict[str, Any]]:
    """Tag each line; yield ``TagResult.to_json()`` or a per-line error object."""
    tg = tagger if tagger is not None else Tagger.default()
    for n, raw in enumerate(lines, start=1):
        line = _strip_line_end(raw)
        if not line.strip():
            yield _error("empty line", n)
            continue
        stripped = line.strip()
        lang: Any = None
        score: Any = None
        survey: Any = None
        if stripped.startswith("{"):
            obj, problem = _parse_object(stripped)
            if problem is not None:
                yield _error(problem, n)
                continue
            if not isinstance(obj, dict):  # pragma: no cover - '{' always parses to a dict
                yield _error("JSON line must be an object", n)
                continue
            text = obj.get("text")
            if not isinstance(text, str):
                yield _error("JSON object needs a string 'text'", n)
                continue
            if not text.strip():
                yield _error("empty text", n)
                continue
            lang, score, survey = obj.get("lang"), obj.get("score"), obj.get("survey")
            if isinstance(score, float) and score.is_integer():
                score = int(score)  # 7.0 from a spreadsheet export is the score 7
            if lang is not None and not isinstance(lang, str):
                yield _error("'lang' must be a string", n)
                continue
            if survey is not None and not isinstance(survey, str):
                yield _error("'survey' must be a string", n)
                continue
        else:
            text = line
        try:
            # the output has no evidence, so none is computed
            result = tg.tag(text, lang=lang, score=score, survey=survey, explain=False)
        except ValueError as exc:
            yield _error(str(exc), n)
            continue
        yield result.to_json()
