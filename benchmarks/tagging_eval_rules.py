"""The rules-era evaluation of the feedback tagger (kept for its extra tables and the lexicon fit).

The held-out evaluation of rules + learned layer is benchmarks/tagging_eval.py; this script
(formerly that one) still prints language detection, normaliser backends and the old
public-set tables, and refits the English learned lexicon (--fit-en-lexicon).

Run:  .venv/bin/python benchmarks/tagging_eval_rules.py [--quick] [--no-holdout]
      .venv/bin/python benchmarks/tagging_eval_rules.py --feedback-only --no-holdout   (seconds)
      .venv/bin/python benchmarks/tagging_eval_rules.py --errors   (wrong reason sets on dev + dev2)

Data is read from $SHARED_DATA_DIR (default <repo>/../shared/data) and
tests/data/feedback/; nothing is copied into the repo. Prints, in one run:
sentiment macro-F1 for ours vs plain TextBlob vs VADER (English) or vs the
majority class (other languages), reason macro-F1 on sets mapped onto our keys,
language-detection accuracy on short texts, and throughput on one core.

Honesty rules this script follows: holdout.jsonl is only summarised (per-language
numbers, never its texts; --errors refuses to read it); public sets we tuned on are
reported on the half we did not tune on (rows with an odd index) next to the full set.
dev2.jsonl (new wordings) is its own row: it was measured once before the rules were
tuned on it (docs/tagging.md), later rows are tuned-on numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib.util
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sklearn.metrics import f1_score
from sklearn.preprocessing import MultiLabelBinarizer

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from insights.tagging import REASON_KEYS, Tagger  # noqa: E402
from insights.tagging.langdetect import LanguageDetector  # noqa: E402
from insights.tagging.sentiment import NPS_SCORE_POLARITY  # noqa: E402

csv.field_size_limit(10**8)

from benchmarks import tagger_data as D  # noqa: E402
from benchmarks.labels.sources import DATA  # noqa: E402  (finds ../shared/data from a worktree too)

Item = tuple[str, str]  # (text, gold label)

# ----------------------------------------------------------------- label mappings (documented)
# NPS bands, app-review categories and the IBM telco churn reasons map as in tagger_data.
NPS_BAND = D.NPS_BAND
TELCO_REASON_MAP = D.TELCO_REASON_MAP
APP_CATEGORY_MAP = D.APP_CATEGORY_MAP
# Airline reasons scored here: only the three the rules were written for (the learned
# layer's evaluation maps more, see tagger_data.AIRLINE_REASON_MAP).
AIRLINE_REASON_MAP = {
    "Customer Service Issue": "support",
    "Flight Attendant Complaints": "support",
    "Flight Booking Problems": "usability",
}


# ----------------------------------------------------------------- loaders
# Whole sets as (text, gold label); the reading is tagger_data's, without its splits.
def load_nps() -> list[tuple[str, str, int]]:
    return list(D.nps_verbatims())


def load_uci(name: str) -> list[Item]:
    return [(text, sent) for _, text, sent in D.uci_sentences(name)]


def load_vader_amazon() -> list[Item]:
    out = []
    path = DATA / "vader-ground-truth" / "amazonReviewSnippets_GroundTruth.txt"
    with path.open(encoding="utf-8-sig") as fh:
        for line in fh:
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) < 3:
                continue
            v = float(parts[1])
            lab = "neutral" if abs(v) < 0.5 else ("positive" if v > 0 else "negative")
            out.append((parts[2], lab))
    return out


def load_airline() -> list[dict[str, str]]:
    return D.airline_tweets()


def load_ru(kind: str) -> list[Item]:
    return [(r["text"], sent) for r, sent in D.sentirueval_rows(kind)]


def load_uk() -> list[Item]:
    return [(r["text"], r["label"]) for r in D.uk_store_reviews()]


def load_da_lcc() -> list[Item]:
    return [(r["text"], sent) for _, r, sent in D.da_lcc_sentences()]


def load_da_political() -> list[Item]:
    return [(text, sent) for _, text, sent in D.da_political_comments()]


def load_zh(folder: str, fn: str) -> list[Item]:
    return list(D.zh_reviews(folder, fn))


load_feedback = D.feedback


# ----------------------------------------------------------------- scoring helpers
def macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> float:
    return float(f1_score(gold, pred, labels=list(labels), average="macro", zero_division=0))


def multilabel_f1(
    gold: Sequence[Iterable[str]], pred: Sequence[Iterable[str]], keys: Sequence[str]
) -> float:
    """Macro-F1 over the reason keys that occur in gold or predictions."""
    gold_l = [set(g) & set(keys) for g in gold]
    pred_l = [set(p) & set(keys) for p in pred]
    used = sorted(set().union(*gold_l, *pred_l)) if gold_l else []
    if not used:
        return 1.0
    mlb = MultiLabelBinarizer(classes=used)
    mlb.fit([used])
    return float(
        f1_score(mlb.transform(gold_l), mlb.transform(pred_l), average="macro", zero_division=0)
    )


def majority_f1(gold: Sequence[str], labels: Sequence[str]) -> float:
    top = Counter(gold).most_common(1)[0][0]
    return macro_f1(gold, [top] * len(gold), labels)


def three(p: float, lo: float = -0.05, hi: float = 0.05) -> str:
    return "positive" if p >= hi else "negative" if p <= lo else "neutral"


def two(p: float) -> str:
    return "positive" if p >= 0 else "negative"


class Baselines:
    """Plain TextBlob (polarity sign) and VADER (compound, standard +-0.05 cut-offs)."""

    def __init__(self) -> None:
        from textblob import TextBlob
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._tb = TextBlob
        self._vader = SentimentIntensityAnalyzer()

    def textblob(self, text: str) -> float:
        return float(self._tb(text).sentiment.polarity)

    def vader(self, text: str) -> float:
        return float(self._vader.polarity_scores(text)["compound"])


# ----------------------------------------------------------------- report
class Table:
    def __init__(self, title: str, cols: Sequence[str]) -> None:
        self.title = title
        self.cols = list(cols)
        self.rows: list[list[str]] = []

    def add(self, *cells: object) -> None:
        self.rows.append([f"{c:.3f}" if isinstance(c, float) else str(c) for c in cells])

    def render(self) -> str:
        widths = [
            max(len(self.cols[i]), *(len(r[i]) for r in self.rows)) for i in range(len(self.cols))
        ]
        line = "| " + " | ".join(c.ljust(w) for c, w in zip(self.cols, widths, strict=True)) + " |"
        sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
        body = [
            "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
            for r in self.rows
        ]
        return "\n".join([f"\n### {self.title}\n", line, sep, *body])


def ours_label(tagger: Tagger, text: str, lang: str, binary: bool, **kw: object) -> str:
    r = tagger.tag(text, lang=lang, **kw)  # type: ignore[arg-type]
    if binary:
        return "positive" if r.sentiment > 0 else "negative"
    return r.label


def run_english(tagger: Tagger, base: Baselines, quick: bool) -> Table:
    t = Table(
        "Sentiment, English (macro-F1)", ["data set", "n", "ours", "TextBlob", "VADER", "target"]
    )
    l3 = ["negative", "neutral", "positive"]
    l2 = ["negative", "positive"]

    def eval_set(name: str, items: Sequence[Item], binary: bool, target: str) -> None:
        gold = [g for _, g in items]
        ours = [ours_label(tagger, x, "en", binary) for x, _ in items]
        conv = two if binary else three
        tb = [conv(base.textblob(x)) for x, _ in items]
        vd = [conv(base.vader(x)) for x, _ in items]
        labels = l2 if binary else l3
        t.add(
            name,
            len(items),
            macro_f1(gold, ours, labels),
            macro_f1(gold, tb, labels),
            macro_f1(gold, vd, labels),
            target,
        )

    nps = load_nps()
    odd = [x for i, x in enumerate(nps) if i % 2 == 1]
    for name, rows in (("nps 3-class, odd half (not tuned on)", odd), ("nps 3-class, all", nps)):
        eval_set(name, [(x, g) for x, g, _ in rows], False, ">= 0.65")
    for name, rows in (
        ("nps detractor vs promoter, odd half", odd),
        ("nps detractor vs promoter, all", nps),
    ):
        eval_set(name, [(x, g) for x, g, _ in rows if g != "neutral"], True, ">= 0.80")
    for name, rows in (("nps 3-class + score, odd half", odd), ("nps 3-class + score, all", nps)):
        gold = [g for _, g, _ in rows]
        pred = [tagger.tag(x, lang="en", score=s, survey="nps").label for x, _, s in rows]
        t.add(name, len(rows), macro_f1(gold, pred, l3), "-", "-", "(score-aware row)")
    eval_set("UCI amazon (binary)", load_uci("amazon_cells"), True, ">= 0.80")
    eval_set("UCI yelp (binary)", load_uci("yelp"), True, ">= 0.80")
    eval_set(
        "VADER amazon snippets 3-class (abs(mean)<0.5 neutral)",
        load_vader_amazon(),
        False,
        "> best baseline + 0.05",
    )
    air = load_airline()
    if quick:
        air = air[::5]
    eval_set(
        "airline tweets 3-class",
        [(r["text"], r["airline_sentiment"]) for r in air],
        False,
        "> best baseline + 0.05",
    )
    return t


def run_languages(tagger: Tagger, quick: bool) -> Table:
    t = Table(
        "Sentiment, other languages (macro-F1)",
        ["data set", "lang", "n", "ours", "majority class", "target"],
    )
    l3 = ["negative", "neutral", "positive"]
    l2 = ["negative", "positive"]
    sets: list[tuple[str, str, Callable[[], list[Item]], bool]] = [
        ("SentiRuEval-2016 telecom 3-class", "ru", lambda: load_ru("tkk"), False),
        ("SentiRuEval-2016 banks 3-class", "ru", lambda: load_ru("banks"), False),
        ("uk online store reviews (binary)", "uk", load_uk, True),
        (
            "uk reviews, native Ukrainian only",
            "uk",
            lambda: [
                (r["text"], r["label"])
                for r in D.uk_store_reviews()
                if r["machine_translated_from_ru"] == "False"
            ],
            True,
        ),
        ("da LCC sentences 3-class", "da", load_da_lcc, False),
        ("da political comments 3-class", "da", load_da_political, False),
        (
            "zh ChnSentiCorp hotel (binary)",
            "zh",
            lambda: load_zh("zh-chnsenticorp-hotel", "ChnSentiCorp_htl_all.csv"),
            True,
        ),
        ("zh waimai 10k (binary)", "zh", lambda: load_zh("zh-waimai-10k", "waimai_10k.csv"), True),
    ]
    for name, lang, loader, binary in sets:
        items = loader()
        if quick:
            items = items[::4]
        gold = [g for _, g in items]
        pred = [ours_label(tagger, x, lang, binary) for x, _ in items]
        labels = l2 if binary else l3
        t.add(
            name,
            lang,
            len(items),
            macro_f1(gold, pred, labels),
            majority_f1(gold, labels),
            ">= 0.75" if binary else "clearly > majority",
        )
    return t


def run_reasons(tagger: Tagger, holdout: bool) -> Table:
    t = Table("Reasons (macro-F1 over the keys in play)", ["data set", "n", "ours", "note"])
    gold: list[Iterable[str]] = []
    pred: list[Iterable[str]] = []
    skipped = 0
    for reason in D.telco_churn_reasons():
        keys = TELCO_REASON_MAP.get(reason)
        if keys is None:
            skipped += 1
            continue
        gold.append(keys)
        pred.append(tagger.tag(reason, lang="en").reasons)
    t.add(
        "telco-ibm churn reasons (status file)",
        len(gold),
        multilabel_f1(gold, pred, REASON_KEYS),
        f"target >= 0.90; {skipped} 'Product/Service dissatisfaction' left out",
    )

    apps = D.app_review_rows()
    keys4 = sorted(set(APP_CATEGORY_MAP.values()))
    gold = [
        {APP_CATEGORY_MAP[c] for c in r["categories"].split(";") if c in APP_CATEGORY_MAP}
        for r in apps
    ]
    pred = [set(tagger.tag(r["review"], lang="en").reasons) for r in apps]
    t.add(
        "app-reviews-categories",
        len(apps),
        multilabel_f1(gold, pred, keys4),
        "keys " + ", ".join(keys4) + " only; smoke test",
    )

    air = [r for r in load_airline() if r["negativereason"] in AIRLINE_REASON_MAP]
    keys2 = sorted(set(AIRLINE_REASON_MAP.values()))
    gold = [{AIRLINE_REASON_MAP[r["negativereason"]]} for r in air]
    pred = [set(tagger.tag(r["text"], lang="en").reasons) for r in air]
    t.add(
        "airline negative reasons",
        len(air),
        multilabel_f1(gold, pred, keys2),
        "support, usability only",
    )

    run_feedback_reasons(tagger, holdout, t)
    return t


FEEDBACK_NOTES = {
    "dev.jsonl": "tuned on",
    "dev2.jsonl": "tuned on (new wordings; measured once before tuning, see docs)",
    "holdout.jsonl": "target >= 0.85 (holdout, every language)",
}


def feedback_splits(holdout: bool) -> tuple[str, ...]:
    return ("dev.jsonl", "dev2.jsonl", "holdout.jsonl") if holdout else ("dev.jsonl", "dev2.jsonl")


def run_feedback_reasons(tagger: Tagger, holdout: bool, t: Table | None = None) -> Table:
    """Reason macro-F1 per language on the hand-written sets (holdout: summary numbers only)."""
    if t is None:
        t = Table(
            "Reasons on the hand-written feedback sets (macro-F1)",
            ["data set", "n", "ours", "note"],
        )
    for split in feedback_splits(holdout):
        rows = load_feedback(split)
        if not rows:
            t.add(f"feedback {split}", 0, "-", "file missing")
            continue
        langs = sorted({str(r["lang"]) for r in rows})
        for lang in [*langs, "all"]:
            sub = [r for r in rows if lang == "all" or r["lang"] == lang]
            g = [list(r["reasons"]) for r in sub]  # type: ignore[call-overload]
            p = [tagger.tag(str(r["text"]), lang=str(r["lang"])).reasons for r in sub]
            t.add(
                f"feedback {split} {lang}",
                len(sub),
                multilabel_f1(g, p, REASON_KEYS),
                FEEDBACK_NOTES[split],
            )
    return t


def print_errors(tagger: Tagger, splits: Sequence[str]) -> None:
    """Every wrong reason set on the tuning sets (never holdout.jsonl), for rule work."""
    for split in splits:
        if split.startswith("holdout"):
            raise SystemExit("--errors never reads holdout.jsonl")
        for r in load_feedback(split):
            res = tagger.tag(str(r["text"]), lang=str(r["lang"]))
            gold = set(r["reasons"])  # type: ignore[call-overload]
            got = set(res.reasons)
            if gold != got:
                fired = "; ".join(f"{m.rule}={m.text!r}" for m in res.matches)
                print(
                    f"{r['id']}: missed {sorted(gold - got)} extra {sorted(got - gold)} | "
                    f"{r['text']} | {fired}"
                )


def run_praise_precision(tagger: Tagger) -> Table:
    """Praise should get no reason: share of clearly positive public texts that got one."""
    t = Table(
        "Reasons on praise (share of positive texts tagged with any reason; lower is better)",
        ["data set", "lang", "n", "tagged with a reason"],
    )
    sets: list[tuple[str, str, list[str]]] = [
        ("nps promoters (score 10)", "en", [x for x, _, s in load_nps() if s == 10]),
        ("UCI yelp positive", "en", [x for x, g in load_uci("yelp") if g == "positive"]),
        ("SentiRuEval telecom positive", "ru", [x for x, g in load_ru("tkk") if g == "positive"]),
        (
            "da political positive",
            "da",
            [x for x, g in load_da_political() if g == "positive"][:1000],
        ),
        (
            "zh waimai positive",
            "zh",
            [x for x, g in load_zh("zh-waimai-10k", "waimai_10k.csv") if g == "positive"][:2000],
        ),
    ]
    for name, lang, texts in sets:
        hit = sum(1 for x in texts if tagger.tag(x, lang=lang).reasons)
        t.add(name, lang, len(texts), f"{hit / len(texts):.1%}")
    return t


def run_feedback_sentiment(tagger: Tagger, holdout: bool) -> Table:
    t = Table(
        "Sentiment on the hand-written feedback set (macro-F1)",
        ["split", "lang", "n", "ours text only", "ours + score"],
    )
    l3 = ["negative", "neutral", "positive"]
    for split in feedback_splits(holdout):
        rows = load_feedback(split)
        for lang in [*sorted({str(r["lang"]) for r in rows}), "all"]:
            sub = [r for r in rows if lang == "all" or r["lang"] == lang]
            if not sub:
                continue
            g = [str(r["sentiment"]) for r in sub]
            p1 = [tagger.tag(str(r["text"]), lang=str(r["lang"])).label for r in sub]
            p2 = [
                tagger.tag(
                    str(r["text"]),
                    lang=str(r["lang"]),
                    score=r["score"],  # type: ignore[arg-type]
                    survey=str(r["survey"]),
                ).label
                for r in sub
            ]
            t.add(split, lang, len(sub), macro_f1(g, p1, l3), macro_f1(g, p2, l3))
    return t


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    if len(text) <= n:
        return text
    cut = text[:n].rsplit(" ", 1)[0]
    return cut or text[:n]


def run_langdetect(tagger: Tagger) -> Table:
    t = Table(
        "Language detection on short texts (<= 60 chars, accuracy)",
        [
            "lang",
            "n",
            "lingua (5 languages)",
            "ours (script, function words, lingua pair)",
            "ours unsure",
        ],
    )
    from lingua import Language, LanguageDetectorBuilder

    five = LanguageDetectorBuilder.from_languages(
        Language.ENGLISH, Language.RUSSIAN, Language.UKRAINIAN, Language.DANISH, Language.CHINESE
    ).build()
    iso = {"ENGLISH": "en", "RUSSIAN": "ru", "UKRAINIAN": "uk", "DANISH": "da", "CHINESE": "zh"}
    det = LanguageDetector()
    samples = {
        "en": [x for x, _, _ in load_nps()],
        "ru": [x for x, _ in load_ru("tkk")],
        "uk": [x for x, _ in load_uk() if x],
        "da": [x for x, _ in load_da_political()],
        "zh": [x for x, _ in load_zh("zh-waimai-10k", "waimai_10k.csv")],
    }
    for r in load_feedback("dev.jsonl"):
        samples[str(r["lang"])].append(str(r["text"]))
    for lang, texts in samples.items():
        texts = [_short(x) for x in texts[:: max(1, len(texts) // 400)]][:400]
        a = b = unsure = 0
        for x in texts:
            lg = five.detect_language_of(x)
            a += lg is not None and iso.get(lg.name) == lang
            d = det.detect(x)
            b += d.lang == lang
            unsure += not d.confident
        t.add(lang, len(texts), a / len(texts), b / len(texts), f"{unsure / len(texts):.1%}")
    return t


def _throughput_texts() -> list[tuple[str, str]]:
    """Short real feedback in all five languages (the long Ukrainian reviews get their own row)."""
    return (
        [(x, "en") for x, _, _ in load_nps()]
        + [(x, "ru") for x, _ in load_ru("tkk")[:1500]]
        + [(x, "da") for x, _ in load_da_political()[:1500]]
        + [(x, "zh") for x, _ in load_zh("zh-waimai-10k", "waimai_10k.csv")[:1500]]
        + [(str(r["text"]), str(r["lang"])) for r in load_feedback("dev.jsonl")]
    )


def run_throughput() -> Table:
    """Texts per second of CPU time in this process, pinned to one core.

    CPU time (not wall time) so that other work on the machine does not distort it;
    caches are warmed on other texts first, as in a long-running process.
    """
    t = Table(
        "Throughput, one core (texts per CPU second)", ["setting", "texts", "avg chars", "texts/s"]
    )
    tag = Tagger.default()
    texts = _throughput_texts()
    for x, lang in [(x, "en") for x, _ in load_uci("imdb")] + [
        (x, "ru") for x, _ in load_ru("banks")
    ]:
        tag.tag(x, lang=lang)  # warm-up on texts not measured below
    uk = [(x, "uk") for x, _ in load_uk()[:300]]
    rows = [
        ("mixed feedback (en ru da zh + dev set), lang given", texts, True),
        ("same, lang detected", texts, False),
        ("English NPS verbatims, lang given", [(x, "en") for x, _, _ in load_nps()], True),
        ("Ukrainian store reviews (long), lang given", uk, True),
    ]
    for label, items, use_lang in rows:
        dt = float("inf")
        for _ in range(5):  # best of five: the machine is shared, the minimum is the cost
            t0 = time.process_time()
            for x, lang in items:
                tag.tag(x, lang=lang if use_lang else None)
            dt = min(dt, time.process_time() - t0)
        avg = sum(len(x) for x, _ in items) / len(items)
        t.add(label, len(items), f"{avg:.0f}", f"{len(items) / dt:,.0f}")
    return t


def run_normalisers() -> Table:
    """Word normalisation backends per language: reason F1 on dev.jsonl and cold-cache speed.

    The rules were written against the defaults, which favours them a little.
    """
    t = Table(
        "Normalisation backends (reasons macro-F1 on dev.jsonl; texts/s from a cold cache)",
        ["lang", "backend", "dev reasons F1", "texts/s", "default"],
    )
    from insights.tagging.normalize import DEFAULT_BACKENDS

    dev = load_feedback("dev.jsonl")
    public = {
        "ru": [x for x, _ in load_ru("tkk")],
        "uk": [x for x, _ in load_uk()[:300]],
        "da": [x for x, _ in load_da_political()[:2000]],
    }
    for lang, backend in [
        ("ru", "pymorphy"),
        ("ru", "snowball"),
        ("ru", "simplemma"),
        ("uk", "pymorphy"),
        ("uk", "simplemma"),
        ("da", "snowball"),
        ("da", "simplemma"),
    ]:
        if backend == "simplemma" and importlib.util.find_spec("simplemma") is None:
            t.add(lang, backend, "-", "not installed (pip install -e '.[bench]')", "")
            continue
        tg = Tagger(morphology={lang: backend})
        sub = [r for r in dev if r["lang"] == lang]
        f1 = multilabel_f1(
            [list(r["reasons"]) for r in sub],  # type: ignore[call-overload]
            [tg.tag(str(r["text"]), lang=lang).reasons for r in sub],
            REASON_KEYS,
        )
        t0 = time.process_time()
        for x in public[lang]:
            tg.tag(x, lang=lang)
        speed = len(public[lang]) / (time.process_time() - t0)
        t.add(
            lang, backend, f1, f"{speed:,.0f}", "yes" if DEFAULT_BACKENDS[lang] == backend else ""
        )
    return t


def load_vader_training() -> list[tuple[str, float]]:
    """VADER tweets, movie and NYT snippets (mean rating / 4) + UCI IMDB (+-0.7).

    None of these is in an evaluation table.
    """
    out: list[tuple[str, float]] = []
    for name in ("tweets", "movieReviewSnippets", "nytEditorialSnippets"):
        path = DATA / "vader-ground-truth" / f"{name}_GroundTruth.txt"
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            for line in fh:
                parts = line.rstrip("\r\n").split("\t")
                if len(parts) >= 3:
                    out.append((parts[2], float(parts[1]) / 4))
    out += [(x, 0.7 if g == "positive" else -0.7) for x, g in load_uci("imdb")]
    return out


NPS_TARGET = NPS_SCORE_POLARITY  # the score-only polarity the product uses


def load_nps_training(repeat: int) -> list[tuple[str, float]]:
    """The even rows of the NPS verbatims (odd rows are the reported, untuned half).

    Known leak (2026-12): the even rows hold about half of the gold labels' English
    validation/test texts (with their NPS-score targets, not the gold labels), so the
    rule-based English sentiment is optimistic on those splits. Refitting on the train part
    of benchmarks/tagger_data.py instead was tried; it moved "The price is way too high for
    what we get" from -0.49 to -0.38 (a test pins it negative), so it waits for a round that
    re-tunes the English reason penalty together with it (docs/tagging.md)."""
    rows = [(x, NPS_TARGET[s]) for i, (x, _, s) in enumerate(load_nps()) if i % 2 == 0]
    return rows * repeat


NPS_REPEAT = 3
"""Weight of the (in-domain, feedback) NPS rows against the general review/tweet rows."""


def fit_en_lexicon(tagger: Tagger, out_path: Path) -> None:
    """Fit the English learned lexicon (ridge regression on bag-of-stems) and write it.

    Training data: load_vader_training() (in no evaluation table) and the even rows of the
    NPS verbatims (the evaluation reports the odd rows as the untuned half, and all rows).
    """
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import Ridge

    from insights.tagging.matcher import _WordMatcher
    from insights.tagging.normalize import normalize_chars, safe_lower, tokenize
    from insights.tagging.sentiment import en_features

    matcher = tagger._matchers["en"]._impl  # the same tokens as at run time
    assert isinstance(matcher, _WordMatcher)
    norm = matcher.norm
    is_neg = matcher._is_cue
    breaks = matcher.breaks
    data = load_vader_training() + load_nps_training(NPS_REPEAT)
    feats = [
        en_features(tokenize(safe_lower(normalize_chars(x)), norm, breaks), is_neg) for x, _ in data
    ]
    vec = DictVectorizer()
    X = vec.fit_transform(feats)
    freq = np.asarray((X > 0).sum(0)).ravel()
    keep = freq >= 3
    X = X[:, keep]
    names = np.array(vec.get_feature_names_out())[keep]
    model = Ridge(alpha=10.0).fit(X, [y for _, y in data])
    rows = sorted(
        ((str(n), float(w)) for n, w in zip(names, model.coef_, strict=True) if abs(w) >= 0.005),
        key=lambda r: r[0],
    )
    with out_path.open("w", encoding="utf-8") as fh:
        fh.write(
            "# English word weights for feedback sentiment, fitted by\n"
            "# benchmarks/tagging_eval_rules.py --fit-en-lexicon: ridge regression (alpha 10)\n"
            "# on Snowball stems and stem bigrams, NOT_<stem> inside a negation scope, features\n"
            "# seen >= 3 times. Training data: VADER ground truth tweets/movie/NYT snippets\n"
            "# (Hutto & Gilbert 2014, MIT licence) and UCI IMDB labelled sentences (Kotzias\n"
            "# et al. 2015), none of them in an evaluation table, plus the even-numbered rows\n"
            "# of the telecom NPS verbatims (textSummary, GPL; target = NPS score, rows\n"
            "# repeated 3x); the evaluation reports the odd rows as the half not tuned on.\n"
            "# The weights are ours (derived numbers, no text is stored).\n"
            f"# {len(rows)} entries from {len(data)} texts.\n"
        )
        for n, w in rows:
            fh.write(f"{n}\t{w:.4f}\n")
    print(f"wrote {len(rows)} weights to {out_path}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="subsample the big sets")
    ap.add_argument(
        "--no-holdout",
        action="store_true",
        help="skip holdout.jsonl (use while developing: look at it only at the end)",
    )
    ap.add_argument(
        "--fit-en-lexicon",
        action="store_true",
        help="refit data/lexicons/en_learned.txt from the training sets and exit",
    )
    ap.add_argument(
        "--feedback-only",
        action="store_true",
        help="only the hand-written feedback tables (reasons and sentiment), fast",
    )
    ap.add_argument(
        "--errors",
        action="store_true",
        help="list every wrong reason set on dev.jsonl and dev2.jsonl (never holdout) and exit",
    )
    args = ap.parse_args(argv)
    if args.errors:
        print_errors(Tagger.default(), ("dev.jsonl", "dev2.jsonl"))
        return 0
    if args.feedback_only:
        tagger = Tagger.default()
        print(run_feedback_reasons(tagger, not args.no_holdout).render())
        print(run_feedback_sentiment(tagger, not args.no_holdout).render())
        return 0
    if args.fit_en_lexicon:
        fit_en_lexicon(
            Tagger.default(), REPO / "insights" / "tagging" / "data" / "lexicons" / "en_learned.txt"
        )
        return 0
    with contextlib.suppress(AttributeError, OSError):  # one core, as the target says
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    t0 = time.perf_counter()
    load0 = time.perf_counter()
    tagger = Tagger.default()
    load_s = time.perf_counter() - load0
    print(
        f"# tagging eval {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, data {DATA}"
    )
    print(f"Tagger.default() load: {load_s:.2f} s")
    base = Baselines()
    for fn in (
        lambda: run_english(tagger, base, args.quick),
        lambda: run_languages(tagger, args.quick),
        lambda: run_reasons(tagger, not args.no_holdout),
        lambda: run_praise_precision(tagger),
        lambda: run_feedback_sentiment(tagger, not args.no_holdout),
        lambda: run_langdetect(tagger),
        run_throughput,
        run_normalisers,
    ):
        print(fn().render(), flush=True)
    print(f"\ntotal eval time {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
