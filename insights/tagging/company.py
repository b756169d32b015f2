"""Company models: the learned layer retrained on a company's own labels.

A company model has the shipped model's shape (``model.TextModel``: vocabulary, idf,
coefficients, thresholds) and replaces the shipped model of its language in a ``Tagger``
(``Tagger(models={lang: company_model})``). It is trained on the company's labelled texts
(staff corrections, a labelled CSV) plus a sample of the company's other texts labelled by
the shipped tagger (so what the shipped model knew is not forgotten where nobody
corrected it). Training needs scikit-learn (imported here only, on demand); loading and
tagging do not. Models travel as JSON (``to_json``/``from_json``): plain arrays, never a
pickle.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .model import FORMAT, SENTIMENT_CLASSES, TextModel

MIN_POSITIVES = 3
"""A reason gets a classifier when the company's labels have at least this many texts
with it (and the shipped model's reasons are always kept)."""
PSEUDO_WEIGHT = 0.3
"""Weight of a text labelled by the shipped tagger against a human label (1.0)."""
THRESHOLDS = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))  # 0.30 .. 0.95
FOLDS = 5
SENTIMENT_LABELS = frozenset(SENTIMENT_CLASSES)


@dataclass(frozen=True)
class Labelled:
    """One labelled text. ``reasons`` None: no reason label; ``sentiment`` None: none."""

    text: str
    reasons: frozenset[str] | None = None
    sentiment: str | None = None
    weight: float = 1.0


@dataclass
class CompanyScores:
    """Cross-validated macro-F1 (reasons: rules + model; sentiment: labels) of the company
    model and of the shipped one on the same folds of the company's own labels."""

    n_labels: int
    n_pseudo: int
    reasons: dict[str, dict[str, float]] = field(default_factory=dict)  # reason -> scores
    reason_macro: dict[str, float] = field(default_factory=dict)  # company / shipped
    sentiment_macro: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "n_labels": self.n_labels,
            "n_pseudo": self.n_pseudo,
            "reasons": self.reasons,
            "reason_macro": self.reason_macro,
            "sentiment_macro": self.sentiment_macro,
        }


def _blocks(lang: str) -> list[tuple[str, int, int]]:
    return [("char", 1, 3)] if lang == "zh" else [("word", 1, 2), ("char_wb", 2, 5)]


def _vectorizers(lang: str, n_texts: int) -> list[Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    min_df = 2 if n_texts >= 200 else 1
    return [
        TfidfVectorizer(
            analyzer=an, ngram_range=(lo, hi), sublinear_tf=True, min_df=min_df, dtype=np.float64
        )
        for an, lo, hi in _blocks(lang)
    ]


def _fit_matrix(vecs: list[Any], texts: Sequence[str]) -> Any:
    from scipy.sparse import hstack

    return hstack([v.fit_transform(texts) for v in vecs]).tocsr()


def _matrix(vecs: list[Any], texts: Sequence[str]) -> Any:
    from scipy.sparse import hstack

    return hstack([v.transform(texts) for v in vecs]).tocsr()


def _f1(gold: np.ndarray, pred: np.ndarray) -> float:
    tp = float((gold & pred).sum())
    denom = float(gold.sum() + pred.sum())
    return 2 * tp / denom if denom else 1.0


def _fit_reasons(X: Any, rows: Sequence[Labelled], keys: Sequence[str]) -> list[Any]:
    from sklearn.linear_model import LogisticRegression

    out = []
    w = np.array([r.weight for r in rows])
    for k in keys:
        y = np.array([k in (r.reasons or ()) for r in rows], dtype=int)
        if y.min() == y.max():
            out.append(None)
            continue
        m = LogisticRegression(class_weight="balanced", C=10.0, max_iter=3000)
        out.append(m.fit(X, y, sample_weight=w))
    return out


def _fit_sentiment(X: Any, rows: Sequence[Labelled]) -> Any:
    from sklearn.linear_model import LogisticRegression

    idx = [i for i, r in enumerate(rows) if r.sentiment in SENTIMENT_LABELS]
    labels = {rows[i].sentiment for i in idx}
    if len(labels) < 2:
        return None
    m = LogisticRegression(class_weight="balanced", C=3.0, max_iter=3000)
    return m.fit(
        X[idx], [rows[i].sentiment for i in idx], sample_weight=[rows[i].weight for i in idx]
    )


def _reason_keys(labels: Sequence[Labelled], shipped: TextModel | None) -> list[str]:
    """The reasons to learn: those labelled at least MIN_POSITIVES times, and the shipped
    model's."""
    counts: dict[str, int] = {}
    for r in labels:
        for k in r.reasons or ():
            counts[k] = counts.get(k, 0) + 1
    return sorted(
        {k for k, n in counts.items() if n >= MIN_POSITIVES}
        | set(shipped.reason_keys if shipped else ())
    )


def _out_of_fold(
    lang: str, labels: Sequence[Labelled], pseudo: Sequence[Labelled], keys: Sequence[str]
) -> tuple[np.ndarray, list[str | None]]:
    """Cross-validated predictions for every labelled text: (reason probabilities, one
    column per key; sentiment label or None). Pseudo-labelled texts always train."""
    n = len(labels)
    order = np.random.default_rng(0).permutation(n)
    folds = [order[i::FOLDS] for i in range(min(FOLDS, n))]
    oof = np.zeros((n, len(keys)))
    oof_sent: list[str | None] = [None] * n
    for held in folds:
        held_set = set(held.tolist())
        train_rows = [labels[i] for i in range(n) if i not in held_set] + list(pseudo)
        vecs = _vectorizers(lang, len(train_rows))
        X = _fit_matrix(vecs, [r.text for r in train_rows])
        Xh = _matrix(vecs, [labels[i].text for i in held])
        train_reason = [r for r in train_rows if r.reasons is not None]
        if train_reason and keys:
            Xr = _matrix(vecs, [r.text for r in train_reason])
            for j, m in enumerate(_fit_reasons(Xr, train_reason, keys)):
                if m is not None:
                    oof[held, j] = m.predict_proba(Xh)[:, 1]
        sm = _fit_sentiment(X, train_rows)
        if sm is not None:
            for i, lab in zip(held, sm.predict(Xh), strict=True):
                oof_sent[i] = str(lab)
    return oof, oof_sent


def _best_threshold(
    gold: np.ndarray, rule_hit: np.ndarray, probability: np.ndarray
) -> tuple[float, float]:
    """(best F1, its threshold) of "a rule hit, or the model at least this sure"."""
    best = (-1.0, 1.1)
    for t in THRESHOLDS:
        f = _f1(gold, rule_hit | (probability >= t))
        if f > best[0] + 1e-9:
            best = (f, t)
    return best


def _choose_thresholds(
    labels: Sequence[Labelled],
    keys: Sequence[str],
    oof: np.ndarray,
    rules: Callable[[str], Sequence[str]],
    shipped_reasons: Callable[[str], Sequence[str]] | None,
    scores: CompanyScores,
) -> dict[str, float]:
    """A threshold for each reason where the model beside the rules beats the rules alone;
    each reason's F1 (company, rules, shipped) and their macro averages go into ``scores``."""
    rule_sets = [set(rules(r.text)) for r in labels]
    shipped_sets = [set(shipped_reasons(r.text)) for r in labels] if shipped_reasons else None
    has_reason = np.array([r.reasons is not None for r in labels])
    thresholds: dict[str, float] = {}
    macro_c, macro_s, macro_r = [], [], []
    for j, k in enumerate(keys):
        gold = np.array([k in (r.reasons or ()) for r in labels])[has_reason]
        rule_hit = np.array([k in s for s in rule_sets])[has_reason]
        best = _best_threshold(gold, rule_hit, oof[has_reason, j])
        f_rules = _f1(gold, rule_hit)
        if best[0] > f_rules:
            thresholds[k] = best[1]
        f_company = max(best[0], f_rules)
        row = {
            "company": round(f_company, 3),
            "rules": round(f_rules, 3),
            "positives": int(gold.sum()),
        }
        if shipped_sets is not None:
            f_ship = _f1(gold, np.array([k in s for s in shipped_sets])[has_reason])
            row["shipped"] = round(f_ship, 3)
            macro_s.append(f_ship)
        scores.reasons[k] = row
        if gold.sum():
            macro_c.append(f_company)
            macro_r.append(f_rules)
    if macro_c:
        scores.reason_macro = {
            "company": round(float(np.mean(macro_c)), 3),
            "rules": round(float(np.mean(macro_r)), 3),
        }
        if macro_s:
            scores.reason_macro["shipped"] = round(float(np.mean(macro_s)), 3)
    return thresholds


def _sentiment_beats_baseline(
    labels: Sequence[Labelled],
    oof_sent: Sequence[str | None],
    baseline_sentiment: Callable[[str], str] | None,
    scores: CompanyScores,
) -> bool:
    """Whether to keep a sentiment head: its cross-validated macro-F1 beats the baseline's
    on the same texts (or there is nothing to compare); both go into ``scores``."""
    sent_gold = [r.sentiment or "" for r in labels]
    if not any(s is not None for s in oof_sent):
        return True
    idx = [i for i in range(len(labels)) if sent_gold[i] in SENTIMENT_LABELS and oof_sent[i]]
    company_macro = _macro([sent_gold[i] for i in idx], [oof_sent[i] or "" for i in idx])
    scores.sentiment_macro["company"] = round(company_macro, 3)
    if baseline_sentiment is None or not idx:
        return True
    base_macro = _macro(
        [sent_gold[i] for i in idx], [baseline_sentiment(labels[i].text) for i in idx]
    )
    scores.sentiment_macro["shipped"] = round(base_macro, 3)
    return company_macro > base_macro


def _sentiment_column(sm: Any, c: str, n_feat: int) -> tuple[np.ndarray, float]:
    """(coefficients, intercept) of sentiment class ``c``; a binary model's one column is
    split in half between its two classes, and a class the labels never use gets a
    probability of about 0."""
    classes = list(sm.classes_)
    if c not in classes:
        return np.zeros(n_feat), -30.0
    if len(classes) > 2:
        return sm.coef_[classes.index(c)], float(sm.intercept_[classes.index(c)])
    column = (sm.coef_[0] if c == classes[1] else -sm.coef_[0]) / 2
    intercept = (float(sm.intercept_[0]) if c == classes[1] else -float(sm.intercept_[0])) / 2
    return column, intercept


def _output_columns(
    keys: Sequence[str], reason_models: Sequence[Any], sm: Any, n_feat: int
) -> tuple[np.ndarray, list[float], list[str], list[str]]:
    """(coefficient matrix, intercepts, output names, reasons kept): one column per reason
    with a model, then one per sentiment class if there is a sentiment head."""
    cols, icpt, outputs, kept = [], [], [], []
    for k, m in zip(keys, reason_models, strict=True):
        if m is None:
            continue
        cols.append(m.coef_[0])
        icpt.append(float(m.intercept_[0]))
        outputs.append(k)
        kept.append(k)
    if sm is not None:
        for c in SENTIMENT_CLASSES:
            column, intercept = _sentiment_column(sm, c, n_feat)
            cols.append(column)
            icpt.append(intercept)
            outputs.append(f"sentiment:{c}")
    coef = np.array(cols).T if cols else np.zeros((n_feat, 0))
    return coef, icpt, outputs, kept


def _final_fit(
    lang: str, all_rows: Sequence[Labelled], keys: Sequence[str], keep_sentiment: bool
) -> tuple[list[Any], int, list[Any], Any]:
    """The final model on every text: (vectorizers, number of features, one reason model
    or None per key, the sentiment model or None)."""
    vecs = _vectorizers(lang, len(all_rows))
    X = _fit_matrix(vecs, [r.text for r in all_rows])
    train_reason = [r for r in all_rows if r.reasons is not None]
    reason_models = (
        _fit_reasons(_matrix(vecs, [r.text for r in train_reason]), train_reason, keys)
        if train_reason
        else [None] * len(keys)
    )
    sm = _fit_sentiment(X, all_rows) if keep_sentiment else None
    return vecs, X.shape[1], reason_models, sm


def _vocabulary_blocks(lang: str, vecs: Sequence[Any]) -> list[dict[str, Any]]:
    """Each vectorizer as the model file stores it."""
    return [
        {
            "analyzer": an,
            "ngram_range": [lo, hi],
            "sublinear_tf": True,
            "vocabulary": sorted(v.vocabulary_, key=v.vocabulary_.get),
        }
        for (an, lo, hi), v in zip(_blocks(lang), vecs, strict=True)
    ]


def _shipped_setting(shipped: TextModel | None, name: str, default: float) -> Any:
    """A tuning setting carried over from the shipped model, or its default."""
    return shipped.meta.get(name, default) if shipped else default


def train(
    lang: str,
    labels: Sequence[Labelled],
    pseudo: Sequence[Labelled] = (),
    shipped: TextModel | None = None,
    rule_reasons: Callable[[str], Sequence[str]] | None = None,
    shipped_reasons: Callable[[str], Sequence[str]] | None = None,
    version: str | None = None,
    baseline_sentiment: Callable[[str], str] | None = None,
) -> tuple[TextModel, CompanyScores]:
    """Train a company model for ``lang`` on ``labels`` (weight 1) and ``pseudo`` (texts
    labelled by the shipped tagger, weight PSEUDO_WEIGHT). ``rule_reasons(text)`` gives
    the rules' reasons (a rule hit always counts, so thresholds are chosen beside them);
    ``shipped_reasons(text)`` the shipped tagger's, for the comparison in the scores.
    Thresholds and scores come from FOLDS-fold cross-validation over ``labels``; the
    sentiment head is kept only if its cross-validated macro-F1 beats
    ``baseline_sentiment`` (the tagger's label today) on the same labelled texts, else the
    model has no sentiment head and the tagger keeps the shipped sentiment."""
    if not labels:
        raise ValueError("no labelled texts to train on")
    rules = rule_reasons or (lambda _t: ())
    pseudo = [Labelled(p.text, p.reasons, p.sentiment, PSEUDO_WEIGHT) for p in pseudo]
    keys = _reason_keys(labels, shipped)
    oof, oof_sent = _out_of_fold(lang, labels, pseudo, keys)
    scores = CompanyScores(len(labels), len(pseudo))
    thresholds = _choose_thresholds(labels, keys, oof, rules, shipped_reasons, scores)
    keep_sentiment = _sentiment_beats_baseline(labels, oof_sent, baseline_sentiment, scores)
    vecs, n_feat, reason_models, sm = _final_fit(
        lang, list(labels) + list(pseudo), keys, keep_sentiment
    )
    coef, icpt, outputs, kept = _output_columns(keys, reason_models, sm, n_feat)
    when = datetime.now(UTC)
    meta = {
        "format": FORMAT,
        "version": version or f"company-{lang}-{when:%Y%m%d%H%M%S}",
        "lang": lang,
        "trained": when.strftime("%Y-%m-%d %H:%M"),
        "base": shipped.version if shipped else None,
        "blocks": _vocabulary_blocks(lang, vecs),
        "outputs": outputs,
        "reasons": kept,
        "sentiment": sm is not None,
        "thresholds": {k: v for k, v in thresholds.items() if k in kept},
        "praise_gate": _shipped_setting(shipped, "praise_gate", 1.01),
        "sentiment_weight": _shipped_setting(shipped, "sentiment_weight", 0.75)
        if sm is not None
        else 0.0,
        "sentiment_cut": _shipped_setting(shipped, "sentiment_cut", 0.25),
        "training": {
            "company_labels": len(labels),
            "pseudo_labels": len(pseudo),
            "reason_rows": sum(1 for r in labels if r.reasons is not None),
            "scores": scores.to_json(),
        },
    }
    idf = np.concatenate([v.idf_ for v in vecs])
    model = TextModel(meta, idf, coef.astype(np.float32), np.array(icpt, dtype=np.float32))
    return model, scores


def _macro(gold: Sequence[str], pred: Sequence[str]) -> float:
    labels = sorted(set(gold))
    f1s = []
    for c in labels:
        g = np.array([x == c for x in gold])
        p = np.array([x == c for x in pred])
        f1s.append(_f1(g, p))
    return float(np.mean(f1s)) if f1s else math.nan


def to_json(model: TextModel) -> str:
    """A model as JSON text: meta plus its arrays as lists (for a database column)."""
    return json.dumps(
        {
            "meta": model.meta,
            "idf": [float(x) for x in model.featurizer.idf],
            "coef": np.asarray(model.coef, dtype=np.float32).round(6).tolist(),
            "intercept": [float(x) for x in model.intercept],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def from_json(text: str) -> TextModel:
    """The model stored by ``to_json``; JSON only, nothing is unpickled."""
    data = json.loads(text)
    coef = np.asarray(data["coef"], dtype=np.float64)
    if coef.ndim == 1:
        coef = coef.reshape(len(data["idf"]), -1)
    return TextModel(data["meta"], np.asarray(data["idf"]), coef, np.asarray(data["intercept"]))
