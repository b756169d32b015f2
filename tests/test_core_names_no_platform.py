"""The core (`surveys/`, `insights/`) names no platform: no `telegram_...` or `slack_...`
identifier, attribute, keyword, column or string anywhere in its code.

The platforms are edges (`handlers/telegram`, `handlers/slack`); the core speaks of a
customer on a channel and of a message reference. Words in docstrings and comments that
explain what a channel is are allowed (keep them few); code is not. The import contracts
in pyproject.toml (checked by `lint-imports`) keep the platform *modules* out; this test
keeps the platform *names* out, which import rules cannot see (a column, a keyword).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ("surveys", "insights")
PLATFORM = re.compile(r"(telegram|slack)_", re.IGNORECASE)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def platform_names(source: str) -> list[tuple[int, str]]:
    """(line, name) of every platform-named identifier or string outside docstrings."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    hits = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, ast.arg | ast.keyword):
            names = [node.arg or ""]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.alias):
            names = [node.name, node.asname or ""]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            names = [node.value]
        hits += [(getattr(node, "lineno", 0), n) for n in names if PLATFORM.search(n)]
    return hits


def test_the_core_names_no_platform() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name!r}"
        for package in CORE
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, name in platform_names(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "platform names in the core:\n" + "\n".join(found)


def test_the_check_finds_what_it_forbids() -> None:
    source = '''
"""A docstring may say telegram_chat_id when it explains the old layout."""
from storage.models import Customer
x = Customer.telegram_chat_id
update(values=dict(slack_ts=None))
def f(telegram_user_id): ...
q = "SELECT slack_channel FROM follow_ups"
'''
    assert [name for _, name in sorted(platform_names(source))] == [
        "telegram_chat_id",
        "slack_ts",
        "telegram_user_id",
        "SELECT slack_channel FROM follow_ups",
    ]
