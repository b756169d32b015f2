"""Save offers: what we can offer a leaving customer, per churn reason and language.

Read from the TOML file named by SAVE_OFFERS_FILE, one table per exit reason:

    [price]
    en = "We can take 30% off your next three months."
    ru = "Мы можем сделать скидку 30% на следующие три месяца."

The exit interview asks "Would this change your mind?" only when the customer's reason has
an offer in their language (or in English); with no file, no offer is ever made.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from surveys.errors import DefinitionError
from surveys.i18n import DEFAULT_LANGUAGE, normalise_language

MAX_OFFER_LENGTH = 3000  # leaves room for the question in Telegram's 4096-character message


@dataclass(frozen=True)
class SaveOffers:
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def text(self, reason: str, language: str | None) -> str | None:
        by_language = self.texts.get(reason)
        if not by_language:
            return None
        return by_language.get(language or DEFAULT_LANGUAGE) or by_language.get(DEFAULT_LANGUAGE)

    def has(self, reason: str, language: str | None) -> bool:
        return self.text(reason, language) is not None


NO_OFFERS = SaveOffers()


def load_save_offers(path: Path | None, reasons: Collection[str]) -> SaveOffers:
    """Read and check the offers file; `reasons` are the exit survey's reason keys."""
    if path is None:
        return NO_OFFERS
    name = f"SAVE_OFFERS_FILE {path}"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DefinitionError(f"{name}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise DefinitionError(f"{name}: {error}") from None
    texts: dict[str, dict[str, str]] = {}
    for reason, table in raw.items():
        if reason not in reasons:
            known = ", ".join(sorted(reasons))
            raise DefinitionError(f"{name}: unknown reason {reason!r} (known: {known})")
        if not isinstance(table, dict):
            raise DefinitionError(f"{name}: [{reason}] must map languages to texts")
        texts[reason] = {}
        for language, text in table.items():
            code = normalise_language(language)
            if code is None or code != language:
                raise DefinitionError(f"{name}: {reason}.{language}: not a language code")
            if not isinstance(text, str) or not text.strip():
                raise DefinitionError(f"{name}: {reason}.{language}: must be non-empty text")
            if len(text) > MAX_OFFER_LENGTH:
                raise DefinitionError(
                    f"{name}: {reason}.{language}: longer than {MAX_OFFER_LENGTH} characters"
                )
            texts[reason][code] = text.strip()
    return SaveOffers(texts)
