"""``tag_lines``: the line-in, JSON-object-out contract the CLI wraps.

Each input line is plain text or a JSON object ``{"text", "lang"?, "score"?,
"survey"?}``; each yields exactly one dict, in order, lazily, so a CLI can
stream a file of any size. A bad line yields ``{"error": ..., "line": N}``
(1-based) and the run goes on: one broken row must not lose a whole import.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from .tagger import Tagger


def _error(msg: str, n: int) -> dict[str, Any]:
    return {"error": msg, "line": n}


def tag_lines(lines: Iterable[str], tagger: Tagger | None = None) -> Iterator[dict[str, Any]]:
    """Tag each line; yield ``TagResult.to_json()`` or a per-line error object."""
    tg = tagger if tagger is not None else Tagger.default()
    for n, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            yield _error("empty line", n)
            continue
        stripped = line.strip()
        lang: Any = None
        score: Any = None
        survey: Any = None
        if stripped.startswith("{"):
            try:
                obj = json.loads(stripped)
            except json.JSONDecodeError as exc:
                yield _error(f"invalid JSON: {exc.msg} at column {exc.colno}", n)
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
            result = tg.tag(text, lang=lang, score=score, survey=survey)
        except ValueError as exc:
            yield _error(str(exc), n)
            continue
        yield result.to_json()
