"""Customer-facing texts by language, from one TOML file per language in `surveys/locales`.

Which languages exist is decided by which files exist: dropping in `pt.toml` with the same
keys as `en.toml` adds Portuguese to /language, to command descriptions and to surveys.
A key missing in one language falls back to English, so a half-finished translation shows
English sentences instead of crashing (a test keeps the shipped files complete).
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from surveys.errors import DefinitionError

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"
_CODE = re.compile(r"[a-z]{2,3}")


def _flatten(prefix: str, table: Mapping[str, Any], into: dict[str, str], source: str) -> None:
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(f"{name}.", value, into, source)
        elif isinstance(value, str):
            into[name] = value
        else:
            raise DefinitionError(f"{source}: {name} must be text")


def placeholders(text: str) -> frozenset[str]:
    """The `{name}` fields a text expects."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


def normalise_language(code: str | None) -> str | None:
    """'zh-CN', 'ru_RU', 'EN' -> 'zh', 'ru', 'en'; None for anything that is not a code."""
    if not code:
        return None
    base = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return base if _CODE.fullmatch(base) else None


class Catalog:
    """Texts per language; `text()` formats one, falling back to English."""

    def __init__(self, texts: Mapping[str, Mapping[str, str]]) -> None:
        if DEFAULT_LANGUAGE not in texts:
            raise DefinitionError(f"the {DEFAULT_LANGUAGE} locale is required")
        self._texts = {lang: dict(values) for lang, values in texts.items()}
        others = sorted(lang for lang in texts if lang != DEFAULT_LANGUAGE)
        self.languages: tuple[str, ...] = (DEFAULT_LANGUAGE, *others)

    def has(self, language: str, key: str) -> bool:
        return key in self._texts.get(language, {})

    def keys(self, language: str = DEFAULT_LANGUAGE) -> frozenset[str]:
        return frozenset(self._texts.get(language, {}))

    def text(self, language: str | None, key: str, **params: object) -> str:
        values = self._texts.get(language or DEFAULT_LANGUAGE, {})
        template = values.get(key)
        if template is None:
            template = self._texts[DEFAULT_LANGUAGE][key]  # KeyError: a bug, not bad input
        return template.format(**params) if params else template

    def name(self, language: str) -> str:
        """The language's own name for itself ('Русский'), for the /language keyboard."""
        return self.text(language, "meta.name")

    def resolve(self, *candidates: str | None) -> str:
        """The first candidate we have texts for; English when none is."""
        for candidate in candidates:
            code = normalise_language(candidate)
            if code in self._texts:
                return code
        return DEFAULT_LANGUAGE

    def supports(self, language: str | None) -> bool:
        return language in self._texts


def load_catalog(folder: Path = LOCALES_DIR, only: Iterable[str] | None = None) -> Catalog:
    wanted = set(only) if only is not None else None
    texts: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.toml")):
        language = path.stem
        if wanted is not None and language not in wanted:
            continue
        if not _CODE.fullmatch(language):
            raise DefinitionError(f"{path.name}: locale files are named by language code")
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise DefinitionError(f"{path.name}: {error}") from None
        flat: dict[str, str] = {}
        _flatten("", raw, flat, path.name)
        texts[language] = flat
    return Catalog(texts)


@cache
def builtin_catalog() -> Catalog:
    """The shipped locale files, loaded once."""
    return load_catalog()
