"""Company rules files: extend or replace the defaults; bad files fail with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from insights.tagging import REASON_KEYS, RulesError, Tagger, load_rules, reason_label
from insights.tagging import rules as rules_module


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "company_rules.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_default_rules_have_the_fixed_taxonomy() -> None:
    rules = load_rules()
    assert rules.reason_keys == REASON_KEYS
    for reason in rules.reasons:
        assert set(reason.names) == {"en", "ru", "uk", "da", "zh"}
    langs = {(r.reason, r.lang) for r in rules.rules}
    assert all((k, lang) in langs for k in REASON_KEYS for lang in ("en", "ru", "uk", "da", "zh"))


def test_the_shipped_rules_pass_every_check_a_company_file_gets(monkeypatch, tmp_path) -> None:
    """The shipped file's phrase syntax is checked here rather than at every start (a third
    of the start-up): checked or not, it loads to the same rules, and the check would name
    a broken phrase in it."""
    assert load_rules(check_defaults=True) == load_rules()
    broken = tmp_path / "rules.toml"
    broken.write_text(
        rules_module.default_rules_path()
        .read_text(encoding="utf-8")
        .replace('"too expensive"', '"too ... ... expensive"', 1),
        encoding="utf-8",
    )
    monkeypatch.setattr(rules_module, "default_rules_path", lambda: broken)
    with pytest.raises(RulesError, match=r"two '\.\.\.' in a row"):
        load_rules(check_defaults=True)


def test_extend_adds_a_reason_and_a_phrase(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[reasons.delivery]
names = { en = "Delivery", ru = "Доставка" }

[reasons.delivery.en]
late = ["courier ... late", "parcel never arrived"]

[reasons.price.en]
company_words = ["premium tier"]
""",
    )
    tagger = Tagger.from_file(path).without_model()  # the file's rules alone
    assert tagger.reason_keys[: len(REASON_KEYS)] == REASON_KEYS
    assert "delivery" in tagger.reason_keys
    result = tagger.tag("The courier was late again and the premium tier is a joke", lang="en")
    assert result.reasons == ("delivery", "price")
    assert result.rules == ("delivery.en.late", "price.en.company_words")
    # defaults are still there
    assert tagger.tag("Way too expensive", lang="en").reasons == ("price",)
    assert tagger.reason_label("delivery", "ru") == "Доставка"
    assert tagger.reason_label("delivery", "da") == "Delivery"  # falls back to English


def test_replace_one_reason_and_disable_another(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[reasons.price]
replace = true
[reasons.price.en]
only_this = ["robbery"]

[reasons.external]
enabled = false
""",
    )
    tagger = Tagger.from_file(path).without_model()  # the file's rules alone
    assert tagger.tag("Way too expensive", lang="en").reasons == ()
    assert tagger.tag("This pricing is robbery", lang="en").rules == ("price.en.only_this",)
    assert "external" not in tagger.reason_keys
    assert tagger.tag("Our company went bankrupt", lang="en").reasons == ()


def test_replace_mode_uses_only_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[meta]
mode = "replace"

[reasons.speed]
names = { en = "Speed" }
[reasons.speed.en]
slow = ["slow"]
[reasons.speed.zh]
slow = ["慢"]
""",
    )
    tagger = Tagger.from_file(path).without_model()  # the file's rules alone
    assert tagger.reason_keys == ("speed",)
    assert tagger.tag("too expensive and slow", lang="en").reasons == ("speed",)
    assert tagger.tag("不慢", lang="zh").reasons == ()  # negation cues still apply


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "[reasons.price.en]\nbad = ['... too high']",
            r"reason 'price', rule 'price.en.bad': pattern '\.\.\. too high'",
        ),
        (
            "[reasons.price.en]\nbad = ['re:(unclosed']",
            r"pattern 're:\(unclosed': bad regular expression",
        ),
        ("[reasons.price.en]\nbad = []", r"rule 'price.en.bad': expected a non-empty list"),
        ("[reasons.price.en]\nbad = ['ok', 3]", r"pattern 3: must be a non-empty string"),
        ("[reasons.price.xx]\nbad = ['x']", r"reason 'price': unknown key or language 'xx'"),
        ("[reasons.Price]\nnames = { en = 'P' }", r"reason 'Price': key must be lowercase"),
        (
            "[reasons.newone.en]\nx = ['new']",
            r"reason 'newone': names needs at least an 'en' entry",
        ),
        ("[reasons.price.en]\nbad = ['too** high']", r"word 'too\*\*'"),
        (
            "[reasons.price.zh]\nbad = ['贵......高']",
            r"'...' must stand between two pieces of text",
        ),
        ("[reasons.price.en]\nbad = { any = ['x'], unless = ['y'] }", r"unknown keys \['unless'\]"),
        ("[meta]\nmode = 'merge'", r"mode must be 'extend' or 'replace'"),
        ("this is = not toml [", r"not valid TOML"),
    ],
)
def test_bad_file_names_file_reason_and_pattern(tmp_path: Path, body: str, expected: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(RulesError, match=expected) as exc:
        load_rules(path)
    assert str(path) in str(exc.value)


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(RulesError, match="rules file not found"):
        load_rules(missing)


def test_reason_label_default_tagger() -> None:
    assert reason_label("price", "ru") == "Цена"
    assert reason_label("neglect", "zh") == "不受重视"
    assert reason_label("billing") == "Billing"
    with pytest.raises(KeyError):
        reason_label("nope")
