"""Language: given, detected, and the try-every-language fallback when detection is unsure."""

from __future__ import annotations

import pytest

from insights.tagging import Tagger
from insights.tagging.langdetect import LanguageDetector


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.default()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The price went up again and support is slow to respond.", "en"),
        ("Поддержка не отвечает уже неделю, цены растут.", "ru"),
        ("Підтримка не відповідає вже тиждень, ціни ростуть.", "uk"),
        ("Kundeservice svarer ikke, og prisen er steget igen.", "da"),
        ("客服一直不回复，价格还涨了。", "zh"),
    ],
)
def test_detects_language(tagger: Tagger, text: str, lang: str) -> None:
    result = tagger.tag(text)
    assert result.lang == lang
    assert result.reasons  # the detected language's rules ran


def test_script_rules_decide_without_lingua() -> None:
    det = LanguageDetector()
    assert det.detect("їжак").lang == "uk"
    assert det.detect("съешь").lang == "ru"
    assert det.detect("blåbær").lang == "da"
    assert det.detect("你好").lang == "zh"
    assert det._lingua == {}  # no model was loaded for these


def test_given_language_is_used_and_normalised(tagger: Tagger) -> None:
    assert tagger.tag("too expensive", lang="en-GB").lang == "en"
    assert tagger.tag("дуже дорого", lang="UA").lang == "uk"
    # an unknown code falls back to detection instead of failing the line
    assert tagger.tag("Kundeservice svarer ikke", lang="xx").lang == "da"


def test_unsure_detection_tries_every_language(tagger: Tagger) -> None:
    # Two Latin words: too short to be sure between English and Danish, so both
    # languages' rules run; "refund" is an English billing phrase.
    det = LanguageDetector().detect("refund pls")
    assert not det.confident
    result = tagger.tag("refund pls")
    assert "billing" in result.reasons
    assert result.lang in ("en", "da")


def test_text_without_letters(tagger: Tagger) -> None:
    result = tagger.tag("👍 10/10")
    assert result.lang == "und"
    assert result.reasons == ()
    assert result.label == "neutral"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("что это вообще такое", "ru"),  # no ы э ъ ё: decided by Russian-only words
        ("оформить кредитную карту мтс онлайн", "ru"),
        ("що це взагалі таке", "uk"),  # no і ї є ґ: decided by Ukrainian-only words
        ("дуже погано працює", "uk"),
        ("Don't think I've had a bill yet", "en"),  # contractions count as English words
    ],
)
def test_function_words_decide_without_lingua(text: str, lang: str) -> None:
    det = LanguageDetector()
    result = det.detect(text)
    assert (result.lang, result.confident) == (lang, True)
    assert det._lingua == {}  # no model was loaded


def test_mixed_cyrillic_markers_still_ask_lingua() -> None:
    det = LanguageDetector()
    result = det.detect("як что")  # one Ukrainian and one Russian marker: undecided by rules
    assert result.lang in ("ru", "uk")
    assert "cyrillic" in det._lingua


def test_the_text_wins_over_the_customers_language_when_it_plainly_is_another() -> None:
    """A Danish customer (their record says da) answering in English, a Russian speaker's
    record saying en: the text's script, letters or function words settle it."""
    tagger = Tagger.default()
    english = tagger.tag("Too expensive for what we use", lang="da")
    assert (english.lang, english.reasons) == ("en", ("price",))
    chinese = tagger.tag("太贵了", lang="en")
    assert (chinese.lang, chinese.reasons) == ("zh", ("price",))
    # Not plain enough (a short word, no function words): the given language stands.
    assert tagger.tag("ok", lang="da").lang == "da"
    assert tagger.tag("Слишком дорого", lang="uk").lang == "uk"
