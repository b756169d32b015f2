"""The learned layer: a TF-IDF featurizer and linear classifiers, loaded from plain arrays.

A language's model is one ``.npz`` file (``data/model/<lang>.npz``, written by
``benchmarks/train_tagger.py``) holding only plain arrays, read with ``allow_pickle=False``:

* ``meta``: UTF-8 JSON: version, language, the vectorizer blocks (analyzer, n-gram range,
  sublinear tf, vocabulary), the output names (reason keys, then sentiment classes),
  per-reason thresholds, the praise gate, the sentiment blend weight and label cut, the
  training counts and out-of-fold scores;
* ``idf``: float64, one per feature (all blocks in order);
* ``coef``: float32, features x outputs; ``intercept``: float32, one per output.

``Featurizer`` reproduces scikit-learn's ``TfidfVectorizer`` exactly (lower-casing, the
``(?u)\\b\\w\\w+\\b`` word tokens and word n-grams, ``char_wb`` / ``char`` n-grams, sublinear
tf, idf, l2 norm per block; a test checks it against sklearn), so the package never needs
scikit-learn to load or apply a model. Reason outputs are one-vs-rest logistic regressions
(sigmoid); the sentiment outputs are one multinomial logistic regression (softmax).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "retention-bot-tagger-model/1"
SENTIMENT_CLASSES = ("negative", "neutral", "positive")

_TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")
_WHITE_RE = re.compile(r"\s\s+")


@dataclass(frozen=True, slots=True)
class Block:
    """One TfidfVectorizer: analyzer "word", "char_wb" or "char", n-gram range, vocabulary."""

    analyzer: str
    ngram_min: int
    ngram_max: int
    sublinear_tf: bool
    vocabulary: Mapping[str, int]  # term -> column inside this block
    offset: int  # first column of this block in the joint feature space

    def terms(self, low: str) -> list[str]:
        """sklearn's analyzer output for an already lower-cased text."""
        lo, hi = self.ngram_min, self.ngram_max
        if self.analyzer == "word":
            toks = _TOKEN_RE.findall(low)
            if hi == 1:
                return toks
            out = list(toks) if lo == 1 else []
            n_tok = len(toks)
            for n in range(max(lo, 2), min(hi + 1, n_tok + 1)):
                out.extend(" ".join(toks[i : i + n]) for i in range(n_tok - n + 1))
            return out
        doc = _WHITE_RE.sub(" ", low)
        if self.analyzer == "char":
            n_doc = len(doc)
            out = list(doc) if lo == 1 else []
            for n in range(max(lo, 2), min(hi + 1, n_doc + 1)):
                out.extend([doc[i : i + n] for i in range(n_doc - n + 1)])
            return out
        # char_wb
        out = []
        for w in doc.split():
            out.extend(_wb_ngrams(w, lo, hi))
        return out


_UNIT_CACHE_MAX = 50_000
"""Words remembered per char_wb block (their vocabulary columns, ~10 MB at most); emptied
when full. 20,000 English feedback texts hold ~30,000 distinct words."""


class Featurizer:
    """TF-IDF features of a text as (columns, values), equal to sklearn's transform.

    Speed: a ``char_wb`` block's n-grams never cross a word, so the columns of each
    distinct word are computed once and remembered (feedback reuses a small vocabulary:
    most words of a text were seen before). A text's features are then its words' cached
    columns counted, instead of ~400 n-gram strings built and looked up per text."""

    def __init__(self, blocks: Sequence[Block], idf: np.ndarray) -> None:
        self.blocks = tuple(blocks)
        self.idf = [float(x) for x in idf]  # python floats: per-feature lookups are scalar
        self.n_features = len(self.idf)
        # term -> joint column per block: one lookup per term of the text
        self._lookup = [{t: b.offset + j for t, j in b.vocabulary.items()} for b in self.blocks]
        self._units: list[dict[str, tuple[int, ...]]] = [{} for _ in self.blocks]
        self._idf = np.asarray(idf, dtype=np.float64)
        self._offsets = np.array([b.offset for b in self.blocks], dtype=np.int64)
        self._sublinear = np.array([b.sublinear_tf for b in self.blocks], dtype=bool)

    def transform(self, text: str) -> tuple[list[int], list[float]]:
        low = text.lower()
        cols: list[int] = []
        vals: list[float] = []
        log = math.log
        idf = self.idf
        for block, lookup, units in zip(self.blocks, self._lookup, self._units, strict=True):
            if block.analyzer == "char_wb":
                hit_cols = self._word_columns(block, low, lookup, units)
            else:
                get = lookup.get
                hit_cols = [c for t in block.terms(low) if (c := get(t)) is not None]
            if not hit_cols:
                continue
            counts = Counter(hit_cols)
            if block.sublinear_tf:  # most terms occur once: tf 1, no logarithm
                b_vals = [idf[c] if n == 1 else (1.0 + log(n)) * idf[c] for c, n in counts.items()]
            else:
                b_vals = [float(n) * idf[c] for c, n in counts.items()]
            norm = math.sqrt(sum([v * v for v in b_vals]))
            cols.extend(counts)
            vals.extend([v / norm for v in b_vals])
        return cols, vals

    @staticmethod
    def _word_columns(
        block: Block, low: str, lookup: Mapping[str, int], units: dict[str, tuple[int, ...]]
    ) -> list[int]:
        """The vocabulary columns of a ``char_wb`` block's n-grams, word by word (cached)."""
        out: list[int] = []
        for w in low.split():  # sklearn squeezes whitespace first; split() ignores it anyway
            hit = units.get(w)
            if hit is None:
                get = lookup.get
                hit = tuple(
                    c
                    for g in _wb_ngrams(w, block.ngram_min, block.ngram_max)
                    if (c := get(g)) is not None
                )
                if len(units) >= _UNIT_CACHE_MAX:
                    units.clear()
                units[w] = hit
            out.extend(hit)
        return out

    def raw_columns(self, text: str) -> list[int]:
        """Every vocabulary column hit by the text's terms, all blocks, repeats kept."""
        low = text.lower()
        out: list[int] = []
        for block, lookup, units in zip(self.blocks, self._lookup, self._units, strict=True):
            if block.analyzer == "char_wb":
                out.extend(self._word_columns(block, low, lookup, units))
            else:
                get = lookup.get
                out.extend([c for t in block.terms(low) if (c := get(t)) is not None])
        return out

    def transform_many(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """TF-IDF features of many texts as CSR arrays (indptr, columns, values).

        Why: counting, tf, idf and the per-block norm cost ~30 µs a text in Python; done
        once for a batch in numpy they cost a few. Columns come sorted within a text."""
        n = len(texts)
        raw: list[int] = []
        lengths = np.empty(n, dtype=np.int64)
        for i, text in enumerate(texts):
            cols = self.raw_columns(text)
            lengths[i] = len(cols)
            raw.extend(cols)
        nf = self.n_features
        rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
        keys, counts = np.unique(rows * nf + np.asarray(raw, dtype=np.int64), return_counts=True)
        row, col = np.divmod(keys, nf)
        tf = counts.astype(np.float64)
        block = np.searchsorted(self._offsets, col, side="right") - 1
        sub = self._sublinear[block] & (counts > 1)
        tf[sub] = 1.0 + np.log(tf[sub])
        vals = tf * self._idf[col]
        group = row * len(self.blocks) + block
        norms = np.sqrt(np.bincount(group, weights=vals * vals, minlength=n * len(self.blocks)))
        vals /= norms[group]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
        return indptr, col, vals

    def term_of(self, col: int) -> tuple[Block, str]:
        for block in self.blocks:
            if block.offset <= col < block.offset + len(block.vocabulary):
                return block, _inverse(block)[col - block.offset]
        raise IndexError(col)


def _wb_ngrams(word: str, lo: int, hi: int) -> list[str]:
    """sklearn's ``char_wb`` n-grams of one word: padded with a space each side; a word
    no longer than n (padding included) counts once, as itself, and ends the sizes."""
    w = " " + word + " "
    w_len = len(w)
    out: list[str] = []
    for n in range(lo, hi + 1):
        if w_len <= n:
            out.append(w[0:n])
            break
        out.extend([w[i : i + n] for i in range(w_len - n + 1)])
    return out


_INVERSE: dict[int, list[str]] = {}


def _inverse(block: Block) -> list[str]:
    inv = _INVERSE.get(id(block))
    if inv is None:
        inv = [""] * len(block.vocabulary)
        for term, j in block.vocabulary.items():
            inv[j] = term
        _INVERSE[id(block)] = inv
    return inv


@dataclass(frozen=True, slots=True)
class Evidence:
    """One feature's contribution to a model output: coefficient x feature value."""

    feature: str
    weight: float
    start: int | None = None  # span in the text where the feature is a word (or word pair)
    end: int | None = None


@dataclass(frozen=True, slots=True)
class Prediction:
    reasons: dict[str, float]  # reason -> probability
    sentiment: dict[str, float]  # negative/neutral/positive -> probability (empty: no model)
    cols: np.ndarray  # the text's feature columns (sorted) and TF-IDF values
    vals: np.ndarray


class TextModel:
    """One language's learned layer: reason probabilities, sentiment, explanations."""

    def __init__(
        self, meta: Mapping[str, Any], idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray
    ) -> None:
        if meta.get("format") != FORMAT:
            raise ValueError(f"not a tagger model: format {meta.get('format')!r}")
        self.meta = dict(meta)
        self.version: str = meta["version"]
        self.lang: str = meta["lang"]
        blocks = []
        offset = 0
        for b in meta["blocks"]:
            vocab = {t: i for i, t in enumerate(b["vocabulary"])}
            blocks.append(
                Block(
                    b["analyzer"],
                    b["ngram_range"][0],
                    b["ngram_range"][1],
                    bool(b["sublinear_tf"]),
                    vocab,
                    offset,
                )
            )
            offset += len(vocab)
        if offset != len(idf) or coef.shape[0] != offset:
            raise ValueError("model arrays do not match its vocabulary")
        self.featurizer = Featurizer(blocks, idf)
        self.outputs: list[str] = list(meta["outputs"])
        self.reason_keys: tuple[str, ...] = tuple(meta["reasons"])
        self.has_sentiment: bool = bool(meta.get("sentiment"))
        self.thresholds: dict[str, float] = {k: float(v) for k, v in meta["thresholds"].items()}
        self.coef = np.ascontiguousarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self._n_reasons = len(self.reason_keys)

    # ----------------------------------------------------------------- loading
    @classmethod
    def load(cls, path: str | Path) -> TextModel:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode("utf-8"))
            return cls(meta, z["idf"], z["coef"], z["intercept"])

    def to_arrays(self) -> dict[str, np.ndarray]:
        return arrays(self.meta, np.asarray(self.featurizer.idf), self.coef, self.intercept)

    # ----------------------------------------------------------------- scoring
    def scores(self, cols: Sequence[int], vals: Sequence[float]) -> np.ndarray:
        if not cols:
            return self.intercept.copy()
        return np.asarray(vals) @ self.coef[cols] + self.intercept

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        """Predictions for many texts: one featurization and one product for the batch
        (``predict`` is a batch of one, so both give the same numbers)."""
        indptr, cols, vals = self.featurizer.transform_many(texts)
        n = len(texts)
        z = np.tile(self.intercept, (n, 1))
        filled = np.flatnonzero(indptr[1:] > indptr[:-1])
        if len(filled):
            contrib = vals[:, None] * self.coef[cols]
            z[filled] += np.add.reduceat(contrib, indptr[filled], axis=0)
        nr = self._n_reasons
        keys = self.reason_keys
        with np.errstate(over="ignore"):  # exp(800) is inf: the probability is then 0
            probs = 1.0 / (1.0 + np.exp(-z[:, :nr]))
        sent: list[list[float]] = []
        if self.has_sentiment:
            zs = z[:, nr : nr + 3]
            e = np.exp(zs - zs.max(axis=1, keepdims=True))
            sent = (e / e.sum(axis=1, keepdims=True)).tolist()
        out = []
        bounds = indptr.tolist()  # python ints: numpy scalars index slowly
        for i, row in enumerate(probs.tolist()):
            a, b = bounds[i], bounds[i + 1]
            sentiment = dict(zip(SENTIMENT_CLASSES, sent[i], strict=True)) if sent else {}
            out.append(
                Prediction(dict(zip(keys, row, strict=True)), sentiment, cols[a:b], vals[a:b])
            )
        return out

    def explain(self, text: str, pred: Prediction, reason: str, top: int = 3) -> list[Evidence]:
        """The features of the text with the largest coefficient x value for ``reason``."""
        j = self.reason_keys.index(reason)
        if not len(pred.cols):
            return []
        cols = np.asarray(pred.cols)
        w = np.asarray(pred.vals) * self.coef[cols, j]
        # largest first; ties by column, so the explanation never depends on the order the
        # featurizer produced (it was set order, which changed with PYTHONHASHSEED)
        order = np.lexsort((cols, -w))[: 4 * top]  # a few spare for duplicates
        contrib = [(float(w[i]), int(cols[i])) for i in order]
        out: list[Evidence] = []
        low = text.lower()
        spans_ok = len(low) == len(text)  # lower-casing kept the offsets
        seen: set[str] = set()
        for w, c in contrib:
            if w <= 0 or len(out) >= top:
                break
            block, term = self.featurizer.term_of(c)
            shown = term.strip()
            if not shown or shown in seen:
                continue
            seen.add(shown)
            start, end = _find_span(low, term, block.analyzer) if spans_ok else (None, None)
            out.append(Evidence(shown, round(w, 2), start, end))
        return out


@lru_cache(maxsize=4096)
def _span_pattern(term: str, analyzer: str) -> re.Pattern[str]:
    """The compiled search for a word feature or a word-initial ``char_wb`` n-gram:
    compiled once per feature (re's own cache holds 512 and thrashes on explanations)."""
    if analyzer == "word":
        return re.compile(r"\b" + r"\W+".join(re.escape(w) for w in term.split(" ")) + r"\b")
    return re.compile(r"(?<!\S)" + re.escape(term.strip()))


def _find_span(low: str, term: str, analyzer: str) -> tuple[int | None, int | None]:
    """Where a feature occurs in the lower-cased text: a word or word pair as whole words;
    a ``char_wb`` n-gram as the whole word that contains it; a ``char`` n-gram (Chinese)
    as itself."""
    if analyzer == "word":
        m = _span_pattern(term, analyzer).search(low)
        return (m.start(), m.end()) if m else (None, None)
    core = term.strip()
    if analyzer == "char_wb" and term.startswith(" "):
        m = _span_pattern(term, analyzer).search(low)
        i = m.start() if m else -1
    else:
        i = low.find(core)
    if i < 0 or not core:
        return None, None
    if analyzer == "char":
        return i, i + len(core)
    a, b = i, i + len(core)
    while a > 0 and not low[a - 1].isspace():
        a -= 1
    while b < len(low) and not low[b].isspace():
        b += 1
    while b > a and not low[b - 1].isalnum():
        b -= 1
    while a < b and not low[a].isalnum():
        a += 1
    return (a, b) if a < b else (i, i + len(core))


def arrays(
    meta: Mapping[str, Any], idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray
) -> dict[str, np.ndarray]:
    """The plain arrays a model is stored as (``np.savez_compressed(path, **arrays(...))``)."""
    blob = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return {
        "meta": np.frombuffer(blob, dtype=np.uint8),
        "idf": np.asarray(idf, dtype=np.float64),
        "coef": np.asarray(coef, dtype=np.float32),
        "intercept": np.asarray(intercept, dtype=np.float32),
    }


def model_dir() -> Path:
    return Path(str(resources.files("insights.tagging") / "data" / "model"))


def shipped_path(lang: str) -> Path:
    return model_dir() / f"{lang}.npz"


def load_shipped(lang: str) -> TextModel | None:
    """The shipped model of a language, or None when there is none."""
    path = shipped_path(lang)
    if not path.exists():
        return None
    return TextModel.load(path)
