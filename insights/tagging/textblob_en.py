"""TextBlob's English polarity without importing the ``textblob`` package.

``import textblob`` pulls in NLTK (and through it SciPy): about 1.5 s, which the
CLI would pay on every start. TextBlob's sentiment itself lives in
``textblob/_text.py`` (pattern's algorithm, no NLTK) plus ``en/en-sentiment.xml``.
We load exactly that module from the installed package, under a private name,
and build the same ``Sentiment`` object ``textblob.en`` builds, so polarities are
TextBlob's own (a test compares them with ``TextBlob(text).sentiment``).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable, Collection
from functools import cache
from pathlib import Path
from typing import Any, Protocol


class PolarityFn(Protocol):
    def __call__(self, text: str) -> float: ...


def _textblob_dir() -> Path:
    spec = importlib.util.find_spec("textblob")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("textblob is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def _pattern_sentiment() -> Any:
    base = _textblob_dir()
    name = "insights_tagging_textblob_text"
    mod = sys.modules.get(name)
    if mod is None:
        spec = importlib.util.spec_from_file_location(name, base / "_text.py")
        if spec is None or spec.loader is None:  # pragma: no cover - broken install
            raise ImportError("cannot load textblob/_text.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)

    base_cls: Any = mod.Sentiment

    class EnSentiment(base_cls):  # type: ignore[misc, valid-type]
        """Same as textblob.en.Sentiment: also maps "terrible" to the adverb "terribly".

        Loaded eagerly below, so lookups can skip pattern's lazy-dict indirection
        (a third of TextBlob's time per text); the data and results are unchanged.
        """

        __contains__ = dict.__contains__
        __getitem__ = dict.__getitem__
        get = dict.get

        def load(self, path: str | None = None) -> None:
            base_cls.load(self, path)
            if not path:
                w: str
                pos: dict[str, Any]
                for w, pos in list(dict.items(self)):
                    if "JJ" in pos:
                        if w.endswith("y"):
                            w = w[:-1] + "i"
                        if w.endswith("le"):
                            w = w[:-2]
                        p, s, i = pos["JJ"]
                        self.annotate(w + "ly", "RB", p, s, i)

    sentiment = EnSentiment(
        path=str(base / "en" / "en-sentiment.xml"),
        synset="wordnet_id",
        negations=("no", "not", "n't", "never"),
        modifiers=("RB",),
        modifier=lambda w: w.endswith("ly"),
        tokenizer=mod.find_tokens,
        language="en",
    )
    sentiment.load()
    return sentiment


def warm_up() -> None:
    """Load the lexicon now (at Tagger construction) rather than on the first text."""
    _pattern_sentiment()
    _fast_parts()
    _polarity_parts()


@cache
def _fast_parts() -> tuple[Any, ...]:
    """The pieces of textblob/_text.py that the fast tokeniser reuses unchanged."""
    _pattern_sentiment()
    mod = sys.modules["insights_tagging_textblob_text"]
    replace = tuple(mod.replacements.items())
    for a, _ in replace:  # the fast path relies on these being literal strings
        if any(c in a for c in ".^$*+?{}[]\\|()"):
            raise RuntimeError(f"textblob contraction pattern {a!r} is not literal")
    punct = tuple(mod.PUNCTUATION.replace(".", ""))
    if max(map(len, [*mod.replacements, *mod.ABBREVIATIONS])) > _MAX_KEY:
        raise RuntimeError("a textblob contraction or abbreviation is longer than _MAX_KEY")
    return (
        replace,
        dict(mod.replacements),
        punct,
        (*punct, "."),
        mod.ABBREVIATIONS,
        (mod.RE_ABBR1, mod.RE_ABBR2, mod.RE_ABBR3),
        mod.RE_SARCASM,
        mod.RE_EMOTICONS,
        mod.find_tokens,
    )


def fast_tokens(string: str) -> list[str]:
    """TextBlob's token stream for ``string`` (``" ".join(find_tokens(s)).split()``), faster.

    ``find_tokens`` runs seven ``re.sub`` for literal contractions, regex scans and a
    sentence splitter whose boundaries the polarity never uses (the sentences are
    joined again). This does the same splitting with ``str`` methods and applies the
    sarcasm/emoticon clean-ups to the whole text instead of per sentence. Where that
    could differ it defers to ``find_tokens`` itself: paragraph breaks (\\n\\n, which
    insert an end-of-sentence marker) and any emoticon match that spans a space (the
    only case where the emoticon clean-up changes anything). Equality with
    ``find_tokens`` is tested on tens of thousands of public texts.
    """
    replace, replace_d, punct, punct_dot, abbrs, abbr_res, sarcasm, emoticons, find = _fast_parts()
    original = string
    for a, b in replace:
        if a in string:
            string = string.replace(a, b)
    string = (
        string.replace("“", " “ ")
        .replace("”", " ” ")
        .replace("‘", " ‘ ")
        .replace("’", " ’ ")
        .replace("'", " ' ")
        .replace('"', ' " ')
        .replace("\r\n", "\n")
    )
    if "\n\n" in string:
        return " ".join(find(original)).split()
    tokens: list[str] = []
    append = tokens.append
    pieces_of = _PIECES.get
    for t in string.split():
        if t.isalnum():
            append(t)
            continue
        pieces = pieces_of(t)
        if pieces is None:
            found: list[str] = []
            _split_punctuation(t, found.append, replace_d, punct, punct_dot, abbrs, abbr_res)
            pieces = tuple(found)
            if len(t) <= _MAX_CACHED_TOKEN:
                if len(_PIECES) >= _PIECES_MAX:
                    _PIECES.clear()
                _PIECES[t] = pieces
        tokens.extend(pieces)
    joined = " ".join(tokens)
    if "(" in joined and "!" in joined:
        joined = sarcasm.sub("(!)", joined)
    for m in emoticons.finditer(joined):
        if " " in m.group(1):
            return " ".join(find(original)).split()
    return joined.split()


_PIECES: dict[str, tuple[str, ...]] = {}
"""A token with punctuation ("crashing,", "it.") -> its pieces: the split depends on the
token alone, and feedback repeats the same few thousand such tokens."""
_PIECES_MAX = 50_000
_MAX_CACHED_TOKEN = 40  # a longer token (a URL, "wow!!!!!!…") is rare: split, not kept


def _split_punctuation(
    t: str,
    append: Callable[[str], None],
    replace_d: dict[str, str],
    punct: tuple[str, ...],
    punct_dot: tuple[str, ...],
    abbrs: Collection[str],
    abbr_res: tuple[re.Pattern[str], ...],
) -> None:
    """Append ``t``'s leading punctuation, its core and its trailing punctuation as tokens.

    TextBlob's loops, moving an index instead of slicing one character at a time off the
    token: the slices made a token with a long punctuation run ("wow!!!!…") quadratic in
    its length. Each test reads the token up to ``end`` exactly as TextBlob reads its
    shortened token: contractions and abbreviations are short, so only a short rest is
    compared with them, and the abbreviation patterns (anchored by ``^``/``$``) match
    as if the token ended at ``end``.
    """
    start = 0
    while start < len(t) and t[start] in punct and not _is_key(t, len(t), replace_d, start):
        append(t[start])
        start += 1
    t = t[start:]  # once; `^` in the abbreviation patterns needs the core at index 0
    end = len(t)
    tail: list[str] = []
    prefixes: _AbbreviationPrefixes | None = None
    while end and t[end - 1] in punct_dot and not _is_key(t, end, replace_d):
        if t[end - 1] in punct:
            tail.append(t[end - 1])
            end -= 1
        if end >= 3 and t.startswith("...", end - 3):
            tail.append("...")
            end -= 3
            while end and t[end - 1] == ".":
                end -= 1
        if end and t[end - 1] == ".":
            if prefixes is None:
                prefixes = _AbbreviationPrefixes(t, abbr_res)
            if _is_key(t, end, abbrs) or prefixes.match(end):
                break
            tail.append(".")
            end -= 1
    if end:
        append(t[:end])
    for piece in reversed(tail):
        append(piece)


_ABBREVIATION_PATTERNS = (
    r"^[A-Za-z]\.$",
    r"^([A-Za-z]\.)+$",
    "^[A-Z][" + "|".join("bcdfghjklmnpqrstvwxz") + "]+.$",
)
"""TextBlob's RE_ABBR1-3 ("T.", "U.S.", "Mr."), which `_AbbreviationPrefixes` answers."""
_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxz|")  # RE_ABBR3's class, '|' included as written


class _AbbreviationPrefixes:
    """Does ``t[:end]`` match one of TextBlob's abbreviation patterns, for any ``end``?

    The trailing-punctuation loop asks once per '.' it strips, on ever shorter prefixes;
    running the regexes each time re-read a long prefix ("a.b.c.…|.|.|.") and made
    the loop quadratic. One pass over ``t`` measures what the three patterns need, and
    each question is then answered in O(1). Should TextBlob change the patterns, the
    regexes are asked again (correct, only slower).
    """

    def __init__(self, t: str, regexes: tuple[re.Pattern[str], ...]) -> None:
        self.t = t
        self.regexes = regexes
        self.known = tuple(rx.pattern for rx in regexes) == _ABBREVIATION_PATTERNS
        if not self.known:
            return
        pairs = 0  # t[:pairs] is letter-dot pairs ("u.s.")
        while pairs + 1 < len(t) and _ascii_letter(t[pairs]) and t[pairs + 1] == ".":
            pairs += 2
        self.pairs = pairs
        run = 1  # t[1:run] is consonants
        while run < len(t) and t[run] in _CONSONANTS:
            run += 1
        self.run = run

    def match(self, end: int) -> bool:
        if not self.known:
            return any(rx.match(self.t, 0, end) is not None for rx in self.regexes)
        if end >= 2 and end % 2 == 0 and end <= self.pairs:
            return True  # RE_ABBR2, and RE_ABBR1 (its one-pair case)
        # RE_ABBR3: a capital, one or more consonants, any last character
        return end >= 3 and "A" <= self.t[0] <= "Z" and end - 1 <= self.run


def _ascii_letter(c: str) -> bool:
    return "a" <= c <= "z" or "A" <= c <= "Z"


def _is_key(t: str, end: int, keys: Collection[str], start: int = 0) -> bool:
    """``t[start:end] in keys`` for short keys, without slicing a long token."""
    return end - start <= _MAX_KEY and t[start:end] in keys


_MAX_KEY = 12
"""Longer than any TextBlob contraction ("n't") or abbreviation ("jan.", "e.g."); checked
in ``_fast_parts``."""


@cache
def _polarity_parts() -> tuple[Any, ...]:
    """Lexicon lookups used by :func:`_polarity_of_tokens`, prepared once."""
    sent = _pattern_sentiment()
    mod = sys.modules["insights_tagging_textblob_text"]
    lex: dict[str, tuple[float, float, bool]] = {}
    for w, pos in dict.items(sent):
        if None in pos:  # what assessments() reads for untagged words
            p, _s, i = pos[None]
            lex[w] = (float(p), float(i), any(m in pos for m in sent.modifiers))
    emoticons: dict[str, float] = {}
    for (_type, p), group in mod.EMOTICONS.items():  # first type wins, as in the original
        for e in group:
            emoticons.setdefault(e.lower(), float(p))
    return lex, frozenset(sent.negations), sent.modifier, mod.PUNCTUATION, emoticons


def _polarity_of_tokens(words: list[str]) -> float:
    """TextBlob's ``Sentiment.assessments`` + mean polarity for untagged lower-case words.

    The same state machine (modifier, negation, "!" boost, "(!)" irony, emoticons),
    keeping only what the polarity needs instead of building a dict per chunk.
    """
    lex, negations, modifier, punctuation, emoticons = _polarity_parts()
    ps: list[float] = []  # polarity of each chunk
    ints: list[float] = []  # its intensity
    negs: list[bool] = []  # negated chunk ("not good")
    m: str | None = None
    n: str | None = None
    for w in words:
        entry = lex.get(w)
        if entry is not None:
            p, i, is_mod = entry
            if m is None:
                ps.append(p)
                ints.append(i)
                negs.append(False)
            else:
                ps[-1] = max(-1.0, min(p * ints[-1], +1.0))
                ints[-1] = i
            if n is not None:
                ints[-1] = 1.0 / ints[-1]
                negs[-1] = True
            m = None
            n = None
            if is_mod:
                m = w
            if w in negations:
                n = w
        else:
            if w in negations:
                n = w
            elif n and len(w.strip("'")) > 1:
                n = None
            if n is not None and m is not None and modifier(m):
                negs[-1] = True
                n = None
            elif m and len(w) > 2:
                m = None
            if w == "!" and ps:
                ps[-1] = max(-1.0, min(ps[-1] * 1.25, +1.0))
            if w == "(!)":
                ps.append(0.0)
                ints.append(1.0)
                negs.append(False)
            if w.isalpha() is False and len(w) <= 5 and w not in punctuation:
                ep = emoticons.get(w)
                if ep is not None:
                    ps.append(ep)
                    ints.append(1.0)
                    negs.append(False)
    if not ps:
        return 0.0
    total: float = 0  # int 0 first, as in TextBlob's avg(), so the float sums are identical
    for p, neg in zip(ps, negs, strict=True):
        total += 1 * (p * -0.5 if neg else p)
    return total / float(len(ps))


def textblob_polarity(text: str) -> float:
    """TextBlob's PatternAnalyzer polarity of ``text`` (-1..1), via :func:`fast_tokens`.

    Identical to ``TextBlob(text).sentiment.polarity`` (the mean polarity of the
    assessed chunks, 0.0 when there are none); tests compare the two.
    """
    return float(_polarity_of_tokens([w.lower() for w in fast_tokens(text)]))


def textblob_polarity_reference(text: str) -> float:
    """The same polarity through TextBlob's own tokeniser (slower; for tests and checks)."""
    return float(_pattern_sentiment()(text)[0])
