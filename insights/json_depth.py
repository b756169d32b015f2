"""How deep a JSON text nests, found without parsing it: one linear scan, no recursion.

Python's parser recurses once per level and fails with RecursionError near 1,000, so a
hostile body or line must be refused before `json.loads` sees it. Used by `retention-bot
tag` (per line) and the Telegram webhook (per body).
"""

from __future__ import annotations

import re

MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects accepted: a `tag` line needs depth 1, a Telegram
update a handful."""

_JSON_SYNTAX_RE = re.compile(r'[\[\]{}"\\]')
"""The characters that decide JSON nesting: brackets, and quotes/backslashes (strings)."""


def json_depth_exceeds(line: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Does the JSON text nest arrays/objects deeper than ``limit``? One linear scan of
    the syntax characters, brackets inside strings not counted; no recursion."""
    if line.count("[") + line.count("{") <= limit:
        return False
    depth = 0
    in_string = False
    escaped_at = -1  # the position a backslash inside a string escapes
    for m in _JSON_SYNTAX_RE.finditer(line):
        ch, pos = m.group(), m.start()
        if in_string:
            if pos == escaped_at:
                continue
            if ch == "\\":
                escaped_at = pos + 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False
