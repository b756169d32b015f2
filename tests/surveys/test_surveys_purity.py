"""`surveys` is platform-neutral: no Telegram, Slack, web or composition-root imports."""

from __future__ import annotations

import ast
from pathlib import Path

import surveys

FORBIDDEN = {"telegram", "slack_bolt", "slack_sdk", "handlers", "bot", "starlette", "aiohttp"}
# The engine and its data shapes do no I/O at all: standard library and each other only.
PURE = {"engine", "model", "policy", "linking", "prompts", "i18n", "definitions", "offers"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_no_platform_imports() -> None:
    folder = Path(surveys.__file__).parent
    files = sorted(folder.glob("*.py"))
    assert len(files) >= 10
    for path in files:
        assert not (_imports(path) & FORBIDDEN), path.name
        if path.stem in PURE:
            assert not (_imports(path) & {"sqlalchemy", "storage"}), path.name
