"""The scoring package stays pure: no database, chat, network or ML imports."""

from __future__ import annotations

import sys
import types

import insights.risk  # noqa: F401  (loads every submodule through the package)

ALLOWED_ROOTS = {
    "__future__",
    "builtins",
    "collections",
    "copy",
    "dataclasses",
    "datetime",
    "decimal",
    "functools",
    "gc",
    "insights",
    "math",
    "os",
    "pathlib",
    "tomllib",
    "types",
    "typing",
}


def test_risk_package_imports_only_the_standard_library() -> None:
    modules = [
        m
        for name, m in sys.modules.items()
        if name == "insights.risk" or name.startswith("insights.risk.")
    ]
    assert len(modules) >= 7
    for module in modules:
        for name, value in vars(module).items():
            if isinstance(value, types.ModuleType):
                origin = value.__name__
            else:
                origin = getattr(value, "__module__", None) or ""
            if not isinstance(origin, str) or not origin or name.startswith("__"):
                continue
            root = origin.split(".")[0]
            assert root in ALLOWED_ROOTS, f"{module.__name__} uses {origin} ({name})"
