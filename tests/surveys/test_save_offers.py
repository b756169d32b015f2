"""The save-offers file: reason -> text per language, checked on load."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.errors import DefinitionError
from surveys.offers import NO_OFFERS, load_save_offers

REASONS = ("price", "support", "other")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "offers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_offers_by_language_with_english_fallback(tmp_path: Path) -> None:
    offers = load_save_offers(
        write(tmp_path, '[price]\nen = " 20% off "\nru = "Скидка 20%"\n[support]\nda = "Hjælp"\n'),
        REASONS,
    )
    assert offers.text("price", "ru") == "Скидка 20%"
    assert offers.text("price", "zh") == "20% off"
    assert offers.text("support", "da") == "Hjælp"
    assert offers.text("support", "en") is None  # no English to fall back on
    assert not offers.has("other", "en")
    assert load_save_offers(None, REASONS) is NO_OFFERS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[cheap]\nen = "x"\n', "unknown reason 'cheap'"),
        ('price = "x"\n', "must map languages"),
        ('[price]\nEnglish = "x"\n', "not a language code"),
        ('[price]\nen = ""\n', "non-empty"),
        ("[price\n", "offers.toml"),
    ],
)
def test_bad_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        load_save_offers(write(tmp_path, text), REASONS)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="SAVE_OFFERS_FILE"):
        load_save_offers(tmp_path / "nope.toml", REASONS)
