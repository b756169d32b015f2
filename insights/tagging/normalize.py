"""Tokenising and word normalisation per language.

Rules are written once per word ("charge", "отвечать") and must still match the
inflected forms customers type ("charged", "не отвечают"). English and Danish use
Snowball stems (fast, and inflection there is mostly suffixes); Russian and
Ukrainian use pymorphy3 lemmas, because their inflection changes stems
("ушли" -> "уйти") and a stemmer misses those (see docs/tagging.md for the
measurement). Chinese has no word spaces and is matched on characters elsewhere.

Every per-word result is cached: feedback vocabulary is small and repetitive, so
after warm-up nearly every lookup is a dict hit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

WORD_RE = re.compile(r"[^\W_]+(?:['’ʼ][^\W_]+)*")
"""A word: letters/digits, with inner apostrophes kept ("don't", "зв'язок")."""

CLAUSE_BREAK_RE = re.compile(r"[.!?;:,()\[\]\n\r\t—–…]|\s-\s")
"""Punctuation that ends a negation scope."""

_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "ё": "е", "Ё": "Е"})

_EN_CONTRACTIONS = {
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "arent": "aren't",
    "werent": "weren't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "hadnt": "hadn't",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "cannot": "can't",
    "aint": "ain't",
}

DEFAULT_BACKENDS = {"en": "snowball", "da": "snowball", "ru": "pymorphy", "uk": "pymorphy"}
"""Chosen by measurement (docs/tagging.md, "Normalisation"): accuracy first, then speed."""

_CACHE_LIMIT = 200_000
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")


def ordered_forms(tok: Token) -> tuple[str, ...]:
    """A word's forms, primary first, the rest sorted. Where the first form found wins
    (a lexicon value, a two-word pattern), the order must not depend on set iteration,
    which changes with the interpreter's hash seed from one process to the next."""
    if len(tok.forms) == 1:
        return tuple(tok.forms)
    return (tok.primary, *sorted(tok.forms - {tok.primary}))


class Token(NamedTuple):
    """One word: lower-cased surface, normalised forms (primary = the stem or first lemma),
    character span and clause number. (A NamedTuple: a text makes dozens of these, and
    tuples are built several times faster than frozen dataclasses.)"""

    surface: str
    forms: frozenset[str]
    primary: str
    start: int
    end: int
    clause: int


def safe_lower(text: str) -> str:
    """Lower-case without changing the length, so character spans stay valid."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


class Normalizer:
    """Maps a lower-cased word to its match forms (text side) and pattern form (rule side)."""

    def __init__(self, lang: str, backend: str | None = None) -> None:
        self.lang = lang
        self.backend = backend or DEFAULT_BACKENDS.get(lang, "none")
        self._cache: dict[str, tuple[frozenset[str], str]] = {}
        self._pcache: dict[str, str] = {}
        self._forms: Callable[[str], frozenset[str]]
        self._pattern: Callable[[str], str]
        if self.backend == "snowball":
            import snowballstemmer

            name = {"en": "english", "da": "danish", "ru": "russian"}.get(lang)
            if name is None:
                raise ValueError(f"no Snowball stemmer for {lang!r}")
            stemmer: Any = snowballstemmer.stemmer(name)

            def stem(word: str) -> str:
                if lang == "en":
                    word = _EN_CONTRACTIONS.get(word, word)
                return str(stemmer.stemWord(word))

            self._forms = lambda w: frozenset((stem(w),))
            self._pattern = stem
        elif self.backend == "pymorphy":
            morph = _morph(lang)

            def lemmas(word: str) -> frozenset[str]:
                if not _CYRILLIC_RE.search(word):
                    return frozenset((word,))  # URLs, numbers, Latin names: nothing to lemmatise
                forms = {word}
                for p in morph.parse(word)[:4]:
                    forms.add(str(p.normal_form).replace("ё", "е"))
                return frozenset(forms)

            def pattern_form(word: str) -> str:
                parses = morph.parse(word)
                normals = [str(p.normal_form).replace("ё", "е") for p in parses]
                if not normals or word in normals:
                    return word
                return normals[0]

            self._forms = lemmas
            self._pattern = pattern_form
        elif self.backend == "simplemma":
            import simplemma

            def lemma(word: str) -> str:
                return str(simplemma.lemmatize(word, lang=lang)).lower()

            self._forms = lambda w: frozenset((w, lemma(w)))
            self._pattern = lemma
        elif self.backend == "none":
            self._forms = lambda w: frozenset((w,))
            self._pattern = lambda w: w
        else:
            raise ValueError(f"unknown normaliser backend {self.backend!r}")

    def forms(self, word: str) -> frozenset[str]:
        """All forms a text word may match (cached)."""
        return self.analyse(word)[0]

    def analyse(self, word: str) -> tuple[frozenset[str], str]:
        """(forms, primary form) of a text word, cached: vocabularies repeat a lot."""
        hit = self._cache.get(word)
        if hit is None:
            if len(self._cache) > _CACHE_LIMIT:
                self._cache.clear()
            forms = self._forms(word)
            primary = min(f for f in forms if f != word) if len(forms) > 1 else next(iter(forms))
            hit = (forms, primary)
            self._cache[word] = hit
        return hit

    def pattern_form(self, word: str) -> str:
        """The one form a rule word is indexed under (cached)."""
        hit = self._pcache.get(word)
        if hit is None:
            hit = self._pattern(normalize_chars(word.lower()))
            self._pcache[word] = hit
        return hit


_MORPH: dict[str, Any] = {}


def _morph(lang: str) -> Any:
    """One pymorphy3 analyser per language per process (loading costs ~0.1 s)."""
    if lang not in _MORPH:
        import pymorphy3

        _MORPH[lang] = pymorphy3.MorphAnalyzer(lang=lang)
    return _MORPH[lang]


def normalize_chars(text: str) -> str:
    """Unify apostrophes and ё so rules need not list spelling variants."""
    return text.translate(_APOSTROPHES)


_SCAN_RE = re.compile(WORD_RE.pattern + r"|(" + CLAUSE_BREAK_RE.pattern + r")")


def tokenize(
    low: str,
    normalizer: Normalizer,
    clause_breaks: frozenset[str] = frozenset(),
    joiners: frozenset[str] = frozenset(),
) -> list[Token]:
    """Split lower-cased, char-normalised text into tokens with clause numbers.

    A clause ends at punctuation or at a contrast word ("but", "но", "men"); the
    negation scope never crosses one ("not cheap, but fast" negates only "cheap").
    A comma directly before a *joiner* ("что", "що") does not end the clause:
    Russian and Ukrainian put a comma before every "that"-clause, so in "Не скажу,
    что дорого" or "Думал, что списали дважды" the cue still reaches the complaint.
    One regex pass finds words and clause breaks together.
    """
    tokens: list[Token] = []
    append = tokens.append
    clause = 0
    pending_break = False
    comma_only = True
    analyse = normalizer.analyse
    for m in _SCAN_RE.finditer(low):
        if m.lastindex:  # a clause-break character
            pending_break = True
            comma_only = comma_only and m.group(1) == ","
            continue
        word = m.group()
        if pending_break and comma_only and word in joiners:
            pending_break = False
        if pending_break or word in clause_breaks:
            clause += 1
            pending_break = False
        comma_only = True
        forms, primary = analyse(word)
        start, end = m.span()
        append(Token(word, forms, primary, start, end, clause))
    return tokens
