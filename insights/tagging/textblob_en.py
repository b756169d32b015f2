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
import sys
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
    for t in string.split():
        if t.isalnum():
            append(t)
            continue
        tail: list[str] = []
        while t.startswith(punct) and t not in replace_d:
            append(t[0])
            t = t[1:]
        while t.endswith(punct_dot) and t not in replace_d:
            if t.endswith(punct):
                tail.append(t[-1])
                t = t[:-1]
            if t.endswith("..."):
                tail.append("...")
                t = t[:-3].rstrip(".")
            if t.endswith("."):
                if t in abbrs or any(rx.match(t) is not None for rx in abbr_res):
                    break
                tail.append(t[-1])
                t = t[:-1]
        if t != "":
            append(t)
        tokens.extend(reversed(tail))
    joined = " ".join(tokens)
    if "(" in joined and "!" in joined:
        joined = sarcasm.sub("(!)", joined)
    for m in emoticons.finditer(joined):
        if " " in m.group(1):
            return " ".join(find(original)).split()
    return joined.split()


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
