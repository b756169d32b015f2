"""Language detection for en, ru, uk, da, zh.

Script decides most cases outright and costs nothing: Han characters mean zh,
letters only Ukrainian has (і ї є ґ) mean uk, letters only Russian has (ы э ъ ё)
mean ru, æ ø å mean da. Only the remaining pairs (ru/uk without telltale
letters, en/da) go to lingua, restricted to that pair so its models load lazily
and stay small. When lingua is unsure (short texts like "ok", "fint") the result
says so, and the tagger then tries every language's rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CYR_RE = re.compile(r"[\u0400-\u04ff]")
LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
UK_ONLY_RE = re.compile(r"[іїєґІЇЄҐ]")
RU_ONLY_RE = re.compile(r"[ыэъёЫЭЪЁ]")
DA_ONLY_RE = re.compile(r"[æøåÆØÅ]")

_WORD_RE = re.compile(r"[a-zæøå']+")
_EN_WORDS = frozenset(
    "the and is are was were to of it you your for not with this that have has be my our we "  # noqa: SIM905
    "they what very but so no can t don didn doesn isn wasn i it's i'm don't didn't doesn't "
    "isn't wasn't can't won't couldn't wouldn't haven't hasn't i've i'd you're we're they're "
    "there's that's would could should been being just too really any about from when which "
    "will get got than them their had yet why how who".split()
)
_DA_WORDS = frozenset(
    "og er det ikke jeg til på med en et af at har som den de vi var kan skal min mit jeres "  # noqa: SIM905
    "meget også men så fra hvor hvad når nu bare godt mig dig jer os eller fordi hvis kun "
    "efter helt lidt noget ingen intet aldrig altid hele blev bliver være været hos".split()
)
"""Function words: two or more of one language and none of the other decide en vs da
without a model (most English texts), which is both faster and as accurate."""

_CYR_WORD_RE = re.compile(r"[а-яёіїєґ']+")
_RU_WORDS = frozenset(
    "и что это как очень спасибо еще уже сейчас когда где хорошо нет вот только можно нужно "  # noqa: SIM905
    "надо был была было были будет есть его ее мне меня тебя себя кто почему зачем теперь "
    "всегда сегодня опять снова после под между они она он какой который деньги цена "
    "приложение работает карту оформить пожалуйста тоже даже просто чтобы если или ничего "
    "всего нужен".split()
)
_UK_WORDS = frozenset(
    "та що це як дуже дякую ще вже зараз коли де добре нема немає але або чи щоб тому яка "  # noqa: SIM905
    "який яке гроші ціна працює застосунок картку будь ласка мене тебе вона вони він ми ви "
    "ось потім завжди вчора знову чому навіщо скільки багато треба потрібно можна буде був "
    "була було були також навіть просто якщо нічого".split()
)
"""Words only one of Russian and Ukrainian writes this way (Russian "что/как/очень",
Ukrainian "що/як/дуже"): one or more of one and none of the other decide ru vs uk
for Cyrillic texts that have none of the telltale letters."""

_NOISE_RE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|\bRT\b")
"""URLs, @mentions, #tags and "RT" say nothing about the language of the text."""

CONFIDENT = 0.80
"""Lingua confidence (0..1, between the two candidates) above which we trust it."""


@dataclass(frozen=True, slots=True)
class Detection:
    """Best-guess language (None when the text has no letters) and whether to trust it."""

    lang: str | None
    confident: bool


class LanguageDetector:
    """Script rules first, lingua (restricted to the script's candidates) second."""

    def __init__(self) -> None:
        self._lingua: dict[str, Any] = {}

    def _pair(self, script: str) -> Any:
        det = self._lingua.get(script)
        if det is None:
            from lingua import Language, LanguageDetectorBuilder

            langs = (
                (Language.ENGLISH, Language.DANISH)
                if script == "latin"
                else (Language.RUSSIAN, Language.UKRAINIAN)
            )
            det = LanguageDetectorBuilder.from_languages(*langs).build()
            self._lingua[script] = det
        return det

    def detect(self, text: str, model: bool = True) -> Detection:
        """The text's language; with ``model=False`` only the rules that cost nothing run
        (script, telltale letters, function words), and a case they cannot settle comes
        back unconfident instead of going to lingua."""
        sample = _NOISE_RE.sub(" ", text[:2000])
        if sample.isascii():  # no Han, Cyrillic or Danish letters: Latin or no letters
            if LATIN_RE.search(sample) is None:
                return Detection(None, False)
            return self._latin(sample, model)
        han = len(HAN_RE.findall(sample))
        cyr = len(CYR_RE.findall(sample))
        lat = len(LATIN_RE.findall(sample))
        if han and han * 3 >= lat and han >= cyr:
            return Detection("zh", han >= 2)
        if not (cyr or lat):
            return Detection(None, False)
        if cyr >= lat:
            uk = len(UK_ONLY_RE.findall(sample))
            ru = len(RU_ONLY_RE.findall(sample))
            if uk > ru:
                return Detection("uk", True)
            if ru > uk:
                return Detection("ru", True)
            cyr_words = _CYR_WORD_RE.findall(sample.lower())
            ru_w = sum(w in _RU_WORDS for w in cyr_words)
            uk_w = sum(w in _UK_WORDS for w in cyr_words)
            if ru_w and not uk_w:
                return Detection("ru", True)
            if uk_w and not ru_w:
                return Detection("uk", True)
            if not model:
                return Detection("ru", False)
            return self._ask("cyrillic", sample, {"RUSSIAN": "ru", "UKRAINIAN": "uk"}, "ru")
        if DA_ONLY_RE.search(sample):
            return Detection("da", True)
        return self._latin(sample, model)

    def _latin(self, sample: str, model: bool) -> Detection:
        """English or Danish, for a text without Danish letters: function words, then
        lingua (or unconfident English with ``model=False``)."""
        words = _WORD_RE.findall(sample.lower())
        en = sum(w in _EN_WORDS for w in words)
        da = sum(w in _DA_WORDS for w in words)
        if en >= 2 and da == 0:
            return Detection("en", True)
        if da >= 2 and en == 0:
            return Detection("da", True)
        if not model:
            return Detection("en", False)
        return self._ask("latin", sample, {"ENGLISH": "en", "DANISH": "da"}, "en")

    def _ask(self, script: str, text: str, names: dict[str, str], default: str) -> Detection:
        values = self._pair(script).compute_language_confidence_values(text)
        if not values:
            return Detection(default, False)
        top = values[0]
        lang = names.get(top.language.name, default)
        return Detection(lang, float(top.value) >= CONFIDENT)
