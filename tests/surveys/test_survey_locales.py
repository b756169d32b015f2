"""Every language has every text, with the same placeholders; a language is one file."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.i18n import (
    LOCALES_DIR,
    builtin_catalog,
    load_catalog,
    normalise_language,
    placeholders,
)

CATALOG = builtin_catalog()


def test_the_five_languages_ship() -> None:
    assert CATALOG.languages == ("en", "da", "ru", "uk", "zh")


@pytest.mark.parametrize("language", ["da", "ru", "uk", "zh"])
def test_translations_are_complete(language: str) -> None:
    english = CATALOG.keys("en")
    assert CATALOG.keys(language) == english
    for key in english:
        assert placeholders(CATALOG.text(language, key)) == placeholders(CATALOG.text("en", key)), (
            key
        )
        assert CATALOG.text(language, key).strip()


@pytest.mark.parametrize("language", ["da", "ru", "uk", "zh"])
def test_translations_are_translated(language: str) -> None:
    same = [
        key
        for key in CATALOG.keys("en")
        if CATALOG.text(language, key) == CATALOG.text("en", key)
        and not key.startswith("exit.save_offer")
    ]
    # Only words that are the same in both languages ("Support" in Danish).
    assert len(same) <= 2, same


def test_command_descriptions_fit_telegram() -> None:
    for language in CATALOG.languages:
        for key in CATALOG.keys(language):
            if key.startswith("commands."):
                assert 3 <= len(CATALOG.text(language, key)) <= 256


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("zh-CN", "zh"),
        ("zh_Hans", "zh"),
        ("ru_RU", "ru"),
        ("pt-BR", "pt"),
        ("", None),
        (None, None),
        ("english", None),
        ("1a", None),
    ],
)
def test_language_codes_are_normalised(code: str | None, expected: str | None) -> None:
    assert normalise_language(code) == expected


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (("ru", "en"), "ru"),  # the imported language wins
        ((None, "uk"), "uk"),  # else Telegram's
        (("pt-BR", "da-DK"), "da"),  # an unsupported import falls through
        ((None, None), "en"),  # else English
        (("xx", "yy"), "en"),
    ],
)
def test_language_resolution(candidates: tuple[str | None, str | None], expected: str) -> None:
    assert CATALOG.resolve(*candidates) == expected


def test_adding_a_language_is_adding_a_file(tmp_path: Path) -> None:
    for path in LOCALES_DIR.glob("*.toml"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "pt.toml").write_text(
        '[meta]\nname = "Português"\n[nps]\nthanks = "Obrigado pelo seu feedback!"\n',
        encoding="utf-8",
    )
    catalog = load_catalog(tmp_path)
    assert "pt" in catalog.languages and catalog.resolve("pt-BR") == "pt"
    assert catalog.name("pt") == "Português"
    assert catalog.text("pt", "nps.thanks") == "Obrigado pelo seu feedback!"
    assert catalog.text("pt", "nps.comment") == catalog.text("en", "nps.comment")  # fallback
