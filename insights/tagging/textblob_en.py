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


def textblob_polarity(text: str) -> float:
    """TextBlob's PatternAnalyzer polarity of ``text`` (-1..1)."""
    return float(_pattern_sentiment()(text)[0])
