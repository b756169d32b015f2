"""The Tagger: compiled rules + language detection + sentiment, and its result type.

Everything is compiled once in ``Tagger.__init__``; ``tag`` does no I/O (the
TextBlob lexicon and lingua models load lazily on first use, then stay).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from .langdetect import LanguageDetector
from .matcher import LanguageMatcher, Match, resolve_overlaps
from .normalize import Token, normalize_chars, safe_lower
from .rules import LANGUAGES, LanguageSettings, RuleSet, load_rules
from .sentiment import (
    LearnedLexicon,
    WordLexicon,
    ZhLexicon,
    combine,
    parse_survey,
)
from .textblob_en import textblob_polarity, warm_up

UNDETERMINED = "und"
"""Language code returned for texts without letters ("👍", "10/10")."""

MAX_TEXT_CHARS = 10_000
"""Characters of one text that are tagged; the rest is cut off and the result says so.

A survey answer is a few sentences (Telegram caps a message at 4,096 characters; the
longest text in the public data sets of the evaluation has 6,070), so the cap changes
nothing real and bounds the time and memory one line of ``retention-bot tag`` or one
imported comment can take."""

_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
"""A lone UTF-16 surrogate (a JSON escape such as "\\ud800" makes one) is not a character:
no encoder accepts it, so it becomes U+FFFD before tagging."""

TEXTBLOB_WEIGHT = 1.0
EN_LEARNED_WEIGHT = 5.0
"""English valence = these weights x (TextBlob polarity, learned-lexicon score).
Chosen by grid search on the tuning sets listed in docs/tagging.md (never the held-out ones)."""

_LANG_ALIASES = {"ua": "uk", "dk": "da", "cn": "zh", "zh_cn": "zh", "zh-cn": "zh", "zh-hans": "zh"}


def normalize_lang(lang: str | None) -> str | None:
    """ "en-GB" -> "en", "UA" -> "uk"; None for unknown codes (the text is then detected)."""
    if not lang:
        return None
    code = lang.strip().lower()
    code = _LANG_ALIASES.get(code, code)
    code = code.replace("_", "-").split("-")[0]
    code = _LANG_ALIASES.get(code, code)
    return code if code in LANGUAGES else None


@dataclass(frozen=True, slots=True)
class TagResult:
    """Tags for one text. ``rules[i]`` is the rule that made ``reasons[i]``."""

    text: str
    lang: str
    sentiment: float
    label: str
    reasons: tuple[str, ...]
    rules: tuple[str, ...]
    matches: tuple[Match, ...] = ()
    truncated: bool = False
    """``text`` is the first MAX_TEXT_CHARS characters of a longer text."""

    def to_json(self) -> dict[str, Any]:
        """The CLI/storage shape: text, lang, sentiment, label, reasons, rules, and
        ``"truncated": true`` only when the text was cut (so the usual shape stays)."""
        data: dict[str, Any] = {
            "text": self.text,
            "lang": self.lang,
            "sentiment": self.sentiment,
            "label": self.label,
            "reasons": list(self.reasons),
            "rules": list(self.rules),
        }
        if self.truncated:
            data["truncated"] = True
        return data


class Tagger:
    """Compiled rules for all languages; ``tag`` one text at a time."""

    def __init__(
        self, rules: RuleSet | None = None, morphology: Mapping[str, str] | None = None
    ) -> None:
        """Compile ``rules`` (default: the shipped file).

        ``morphology`` overrides the word normaliser per language ({"ru": "snowball"});
        it exists so the evaluation can compare backends, the defaults are measured best.
        """
        self.rules = rules if rules is not None else load_rules()
        backends = dict(morphology or {})
        self.reason_keys = self.rules.reason_keys
        self._matchers: dict[str, LanguageMatcher] = {}
        for lang in LANGUAGES:
            lang_rules = [r for r in self.rules.rules if r.lang == lang]
            settings = self.rules.languages.get(lang, LanguageSettings())
            self._matchers[lang] = LanguageMatcher(
                lang, lang_rules, settings, self.rules.source, backends.get(lang)
            )
        self._lexicons: dict[str, WordLexicon] = {}
        for lang in ("en", "ru", "uk", "da"):
            norm = self._matchers[lang].normalizer
            assert norm is not None
            settings = self.rules.languages.get(lang, LanguageSettings())
            self._lexicons[lang] = WordLexicon(lang, norm, settings.negations)
        self._zh = ZhLexicon()
        self._learned = LearnedLexicon(
            Path(str(resources.files("insights.tagging") / "data" / "lexicons" / "en_learned.txt"))
        )
        self._detector = LanguageDetector()
        warm_up()

    @classmethod
    def default(cls) -> Tagger:
        """The shipped rules, compiled once per process."""
        return _default_tagger()

    @classmethod
    def from_file(cls, path: str | Path | None) -> Tagger:
        """Rules from a company's file (merged with or replacing the defaults)."""
        return cls(load_rules(path))

    def tag(
        self,
        text: str,
        lang: str | None = None,
        score: int | None = None,
        survey: str | None = None,
    ) -> TagResult:
        """Tag one text with reasons (and the rules that fired) and a sentiment.

        ``lang`` is used when given (en, ru, uk, da, zh; regional forms like
        "en-GB" are accepted) unless the text plainly is another language (its script,
        letters or function words say so); otherwise it is detected, and when
        detection is unsure every language's rules are tried. ``score`` with ``survey``
        ("nps" 0-10 or "csat" 1-5) is combined into the sentiment.
        Raises ValueError for a score that fits no survey.

        Only the first MAX_TEXT_CHARS characters are tagged (``truncated`` says when
        there were more); lone surrogates are read as U+FFFD.
        """
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        parsed_survey = parse_survey(score, survey)
        truncated = len(text) > MAX_TEXT_CHARS
        if truncated:
            text = text[:MAX_TEXT_CHARS]
        if _SURROGATE_RE.search(text):
            text = _SURROGATE_RE.sub("\ufffd", text)
        low = safe_lower(normalize_chars(text))
        code = normalize_lang(lang)
        try_all = False
        if code is not None:
            # The given language is the customer's (their chat, their CRM record); the text
            # may be in another (a Danish customer writing English). When the text itself
            # settles it (script, telltale letters, function words), the text wins.
            seen = self._detector.detect(text, model=False)
            if seen.confident and seen.lang is not None:
                code = seen.lang
        if code is None:
            det = self._detector.detect(text)
            code = det.lang
            try_all = not det.confident
        if code is None:  # no letters at all: nothing to match, sentiment from score only
            pol, label = combine(0.0, 0, parsed_survey)
            return TagResult(text, UNDETERMINED, pol, label, (), (), (), truncated)

        matches, toks = self._matchers[code].find(low, text)
        if try_all:
            extra: list[Match] = []
            for other in LANGUAGES:
                if other != code:
                    extra.extend(self._matchers[other].find(low, text)[0])
            if extra:
                matches = resolve_overlaps(matches + extra)

        reasons: list[str] = []
        rule_ids: list[str] = []
        for m in matches:
            if m.reason not in reasons:
                reasons.append(m.reason)
                rule_ids.append(m.rule)

        valence = self._valence(code, text, low, toks, matches)
        clauses = toks[-1].clause + 1 if toks else 1
        pol, label = combine(valence, len(reasons), parsed_survey, code, clauses)
        return TagResult(
            text, code, pol, label, tuple(reasons), tuple(rule_ids), tuple(matches), truncated
        )

    def _en_components(
        self, text: str, toks: list[Token], matches: Sequence[Match] = ()
    ) -> tuple[float, float]:
        """(TextBlob polarity, learned-lexicon score) of English text.

        TextBlob reads the words of a complaint as praise ("*better* integrations",
        "way too *high*"), so when rules matched, it scores only the text outside
        the matched phrases; the learned lexicon, fitted on whole texts, sees all.
        """
        tb = textblob_polarity(text)
        if matches and tb > 0:
            tb = textblob_polarity(_blank_spans(text, matches))
        return tb, self._learned.score_tokens(toks, self._lexicons["en"].is_negation)

    def _valence(
        self, code: str, text: str, low: str, toks: list[Token], matches: Sequence[Match] = ()
    ) -> float:
        if code == "zh":
            return self._zh.valence(low)
        if code == "en":
            tb, learned = self._en_components(text, toks, matches)
            return TEXTBLOB_WEIGHT * tb + EN_LEARNED_WEIGHT * learned
        return self._lexicons[code].valence(toks)

    def reason_label(self, key: str, lang: str = "en") -> str:
        """Display name of a reason in a language (English, then the key, as fallbacks)."""
        for r in self.rules.reasons:
            if r.key == key:
                code = normalize_lang(lang) or "en"
                return r.names.get(code) or r.names.get("en") or key
        raise KeyError(f"unknown reason {key!r}")


def _blank_spans(text: str, matches: Sequence[Match]) -> str:
    """The text with every matched phrase replaced by spaces (offsets stay valid)."""
    chars = list(text)
    for m in matches:
        chars[m.start : m.end] = " " * (m.end - m.start)
    return "".join(chars)


_DEFAULT_LOCK = threading.Lock()


@cache
def _default_tagger() -> Tagger:
    # `cache` does not serialise the first call: answer listeners run in worker threads, and
    # two of them building the tagger at once tripped over half-loaded lexicons. One builds.
    with _DEFAULT_LOCK:
        return _build_default()


@cache
def _build_default() -> Tagger:
    return Tagger()
