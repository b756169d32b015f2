"""Sentiment polarity per language, corrected by what the rules found and by survey score.

Base scores: English starts from TextBlob's polarity plus a small hand-written
feedback lexicon (service-failure verbs and nouns TextBlob does not score:
"waiting", "cancelled", "still no"); Danish uses AFINN-da (Nielsen) plus a few
feedback words; Russian, Ukrainian and Chinese use lexicons written for this
project (``data/lexicons/*.txt``). All lexicon scorers share one negation and
intensifier treatment and weight the clause after a contrast word ("but", "но",
"men", "但是") higher, since that is where feedback puts its verdict.

Correction: a text that names a churn reason is rarely positive ("We moved to a
competitor that has better integrations" is +0.5 for TextBlob), so every reason
found pulls the polarity down. A survey score, when given, is combined with the
text and bounds the label: an NPS detractor's "fine" is not positive.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import ahocorasick

from .normalize import Normalizer, Token, ordered_forms

POSITIVE_AT = 0.4
NEGATIVE_AT = -0.4
"""Label thresholds on the final polarity (the same for every language)."""


# What a survey score says about sentiment on its own, on the polarity scale (-1..1).
NPS_SCORE_POLARITY: dict[int, float] = {
    0: -1.0, 1: -0.95, 2: -0.9, 3: -0.8, 4: -0.7, 5: -0.55,
    6: -0.4, 7: 0.0, 8: 0.15, 9: 0.6, 10: 0.85,
}  # fmt: skip
CSAT_SCORE_POLARITY: dict[int, float] = {1: -1.0, 2: -0.6, 3: 0.0, 4: 0.5, 5: 0.85}


@dataclass(frozen=True, slots=True)
class LangTuning:
    """Per-language calibration: lexicon valence x scale, minus penalty per reason found."""

    scale: float
    reason_penalty: float


TUNING: dict[str, LangTuning] = {
    "en": LangTuning(1.0, 0.4),
    "ru": LangTuning(1.5, 0.8),
    "uk": LangTuning(0.7, 0.8),
    "da": LangTuning(2.0, 1.6),
    "zh": LangTuning(1.5, 0.8),
}
"""Chosen by grid search on tests/data/feedback/dev.jsonl (and, for English, the even
rows of the NPS verbatims); see docs/tagging.md. Never on held-out data. The English
reason penalty was re-searched (0.8 -> 0.4) on the even NPS rows + dev.jsonl after the
reason rules were broadened (more reasons found per text); dev2 + dev did not justify
changing the other languages."""

LONG_TEXT_SENTENCES = 3
"""A long text's sentence valences are summed and scaled by this / number of sentences."""

LONG_TEXT_CLAUSES = 6
"""Beyond this many clauses a named reason weighs proportionally less: in a one-line
comment the complaint is the verdict, in a long review it is one point among many."""

_ALPHA = 4.0
"""Squashing constant: polarity = v / sqrt(v^2 + alpha)."""

_INTENSIFIERS: dict[str, dict[str, float]] = {
    "en": {
        "very": 1.4,
        "really": 1.4,
        "extremely": 1.7,
        "so": 1.3,
        "too": 1.3,
        "absolutely": 1.6,
        "totally": 1.5,
        "completely": 1.5,
        "incredibly": 1.7,
        "super": 1.4,
        "most": 1.3,
    },
    "ru": {
        "очень": 1.5,
        "крайне": 1.7,
        "совсем": 1.4,
        "слишком": 1.4,
        "абсолютно": 1.6,
        "совершенно": 1.6,
        "ужасно": 1.5,
        "супер": 1.4,
        "самый": 1.3,
        "такой": 1.2,
    },
    "uk": {
        "дуже": 1.5,
        "вкрай": 1.7,
        "зовсім": 1.4,
        "занадто": 1.4,
        "надто": 1.4,
        "абсолютно": 1.6,
        "цілком": 1.3,
        "жахливо": 1.5,
        "супер": 1.4,
        "найбільш": 1.3,
    },
    "da": {
        "meget": 1.5,
        "virkelig": 1.4,
        "helt": 1.3,
        "super": 1.4,
        "utrolig": 1.6,
        "utroligt": 1.6,
        "ekstremt": 1.7,
        "totalt": 1.5,
        "særdeles": 1.6,
        "alt": 1.2,
    },
    "zh": {
        "很": 1.3,
        "非常": 1.6,
        "太": 1.5,
        "特别": 1.5,
        "超": 1.5,
        "十分": 1.5,
        "极": 1.7,
        "真": 1.3,
        "好": 1.2,
        "最": 1.5,
        "超级": 1.6,
        "相当": 1.4,
    },
}
_CONTRAST = {
    "en": ("but", "however", "although", "though"),
    "ru": ("но", "однако", "зато"),
    "uk": ("але", "проте", "однак", "зате"),
    "da": ("men", "dog"),
}
_ZH_CONTRAST = ("但是", "但", "可是", "不过", "然而", "就是")
_ZH_NEGATIONS = ("不", "没", "无", "未", "别", "非")


def squash(v: float, alpha: float = _ALPHA) -> float:
    """Map an unbounded valence sum to (-1, 1), like VADER's normalisation."""
    return v / math.sqrt(v * v + alpha)


def _data_dir() -> Path:
    """The package's data folder (a package itself, so wheels ship its files)."""
    return Path(str(resources.files("insights.tagging") / "data"))


def _read_tsv(path: Path) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            word, _, val = line.rpartition("\t")
            if word:
                out.append((word.strip(), float(val)))
    return out


def _afinn_da() -> list[tuple[str, float]]:
    """AFINN-da (F. Å. Nielsen, shipped in the ``afinn`` package), read as a file."""
    import importlib.util

    spec = importlib.util.find_spec("afinn")
    if spec is None or not spec.submodule_search_locations:
        return []
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "AFINN-da-32.txt"
    out: list[tuple[str, float]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            word, _, val = line.rstrip("\n").rpartition("\t")
            if word:
                # AFINN is -5..+5; our lexicons are -3..+3.
                out.append((word.strip().lower(), float(val) * 0.6))
    return out


class WordLexicon:
    """A lexicon for word languages, keyed by the normaliser's pattern form."""

    def __init__(self, lang: str, norm: Normalizer, negations: Sequence[str]) -> None:
        self.lang = lang
        self.uni: dict[str, float] = {}
        self.bi: dict[tuple[str, str], float] = {}
        # English sentiment words come from TextBlob and the learned lexicon; this
        # scorer is used there only for its negation test.
        entries = [] if lang == "en" else _read_tsv(_data_dir() / "lexicons" / f"{lang}.txt")
        if lang == "da":
            entries = _afinn_da() + entries
        for word, val in entries:
            parts = word.lower().split()
            if len(parts) == 1:
                self.uni[norm.pattern_form(parts[0])] = val
            elif len(parts) == 2:
                self.bi[(norm.pattern_form(parts[0]), norm.pattern_form(parts[1]))] = val
        self.intens = {norm.pattern_form(k): v for k, v in _INTENSIFIERS.get(lang, {}).items()}
        self.neg = frozenset(negations)
        self.contrast = frozenset(_CONTRAST.get(lang, ()))

    def is_negation(self, surface: str) -> bool:
        return surface in self.neg or (self.lang == "en" and surface.endswith("n't"))

    def valence(self, toks: Sequence[Token]) -> float:
        """Sum of word valences with negation flip, intensifiers and contrast weighting."""
        total = 0.0
        last_contrast = -1
        for i, t in enumerate(toks):
            if t.surface in self.contrast:
                last_contrast = i
        skip = -1
        for i, t in enumerate(toks):
            if i <= skip:
                continue
            val = None
            if i + 1 < len(toks) and self.bi:
                nxt = toks[i + 1]
                for a in ordered_forms(t):
                    for b in ordered_forms(nxt):
                        hit = self.bi.get((a, b))
                        if hit is not None:
                            val = hit
                            skip = i + 1
                            break
                    if val is not None:
                        break
            if val is None:
                for f in ordered_forms(t):
                    hit = self.uni.get(f)
                    if hit is not None:
                        val = hit
                        break
            if val is None or val == 0:
                continue
            # intensifier / negation within two words before, same clause
            for j in range(i - 1, max(-1, i - 3), -1):
                p = toks[j]
                if p.clause != t.clause:
                    break
                if self.is_negation(p.surface):
                    val = -0.6 * val if val > 0 else -0.4 * val
                    break
                for f in ordered_forms(p):
                    k = self.intens.get(f)
                    if k:
                        val *= k
                        break
            if last_contrast >= 0:
                val *= 0.6 if i < last_contrast else 1.4
            total += val
        return total


def en_feature_keys(toks: Sequence[Token], is_negation: Callable[[str], bool]) -> Iterator[str]:
    """Stems and stem bigrams; a stem within 3 words after a negation becomes NOT_<stem>.

    Shared by the English learned lexicon at run time and by its fitting step
    (benchmarks/tagging_eval.py --fit-en-lexicon), so both see identical features.
    """
    neg_until = -1
    neg_clause = -1
    prev = ""
    prev_clause = -1
    for i, t in enumerate(toks):
        stem = t.primary
        if is_negation(t.surface):
            neg_until, neg_clause = i + 3, t.clause
        else:
            yield "NOT_" + stem if i <= neg_until and t.clause == neg_clause else stem
            if i and prev_clause == t.clause:
                yield prev + "_" + stem
        prev, prev_clause = stem, t.clause


def en_features(toks: Sequence[Token], is_negation: Callable[[str], bool]) -> dict[str, int]:
    """Feature counts of :func:`en_feature_keys` (what the fitting step vectorises)."""
    feats: dict[str, int] = {}
    for key in en_feature_keys(toks, is_negation):
        feats[key] = feats.get(key, 0) + 1
    return feats


class LearnedLexicon:
    """English word weights fitted on public sentiment data we do not evaluate on.

    See ``data/lexicons/en_learned.txt`` for provenance. TextBlob scores mostly
    adjectives; these weights add the verbs, nouns and phrases of reviews ("refund",
    "waste", "returned it", "NOT_work") that TextBlob leaves at zero.
    """

    def __init__(self, path: Path) -> None:
        self.weights = dict(_read_tsv(path))

    def score(self, keys: Iterable[str]) -> float:
        """Sum of the weights of the feature keys (each occurrence counts)."""
        get = self.weights.get
        return sum(get(k, 0.0) for k in keys)

    def score_tokens(self, toks: Sequence[Token], is_negation: Callable[[str], bool]) -> float:
        """``score(en_feature_keys(toks, is_negation))`` in one loop (the hot path).

        Same features in the same order as :func:`en_feature_keys`, summed as they
        are found instead of being yielded as strings first; a test checks equality.
        """
        get = self.weights.get
        total = 0.0
        neg_until = -1
        neg_clause = -1
        prev = ""
        prev_clause = -1
        for i, t in enumerate(toks):
            stem = t.primary
            clause = t.clause
            if is_negation(t.surface):
                neg_until, neg_clause = i + 3, clause
            else:
                if i <= neg_until and clause == neg_clause:
                    total += get("NOT_" + stem, 0.0)
                else:
                    total += get(stem, 0.0)
                if i and prev_clause == clause:
                    total += get(prev + "_" + stem, 0.0)
            prev, prev_clause = stem, clause
        return total


def longest_first(hits: list[tuple[int, int, float]], size: int) -> list[tuple[int, int, float]]:
    """The longest hits that do not overlap a longer (or, at equal length, earlier) one,
    longest first: "不错" (good) wins over the "不" inside it.

    ``taken`` marks the characters already chosen, so each hit looks at its own few
    characters; checking it against every chosen hit made a long text quadratic.
    """
    ordered = sorted(hits, key=lambda h: (h[0], -(h[1] - h[0])))
    chosen: list[tuple[int, int, float]] = []
    taken = bytearray(size)
    for h in sorted(ordered, key=lambda h: -(h[1] - h[0])):
        if not any(taken[h[0] : h[1]]):
            chosen.append(h)
            taken[h[0] : h[1]] = b"\x01" * (h[1] - h[0])
    return chosen


class ZhLexicon:
    """Chinese lexicon matched as substrings (longest match wins) with negation by characters."""

    def __init__(self) -> None:
        self.auto = ahocorasick.Automaton()
        for word, val in _read_tsv(_data_dir() / "lexicons" / "zh.txt"):
            self.auto.add_word(word.lower(), (len(word), val))
        self.auto.make_automaton()
        self.intens = sorted(_INTENSIFIERS["zh"].items(), key=lambda kv: -len(kv[0]))

    def valence(self, low: str) -> float:
        hits: list[tuple[int, int, float]] = []
        for end, (n, val) in self.auto.iter(low):
            hits.append((end - n + 1, end + 1, val))
        if not hits:
            return 0.0
        chosen = longest_first(hits, len(low))
        contrast_at = max((low.rfind(c) for c in _ZH_CONTRAST), default=-1)
        total = 0.0
        for start, _end, val in chosen:
            if val == 0:
                continue
            pre = low[max(0, start - 3) : start]
            for ch in "，。！？；,.!?; ":
                cut = pre.rfind(ch)
                if cut >= 0:
                    pre = pre[cut + 1 :]
            if any(n in pre for n in _ZH_NEGATIONS) and "不错" not in pre and "不过" not in pre:
                val = -0.6 * val if val > 0 else -0.4 * val
            else:
                for word, factor in self.intens:
                    if pre.endswith(word):
                        val *= factor
                        break
            if contrast_at >= 0:
                val *= 0.6 if start < contrast_at else 1.4
            total += val
        return total


@dataclass(frozen=True, slots=True)
class SurveyScore:
    """A survey score and its kind; ``polarity`` maps it onto -1..1."""

    kind: str  # "nps" or "csat"
    score: int

    @property
    def polarity(self) -> float:
        if self.kind == "nps":
            return NPS_SCORE_POLARITY[self.score]
        return CSAT_SCORE_POLARITY[self.score]

    @property
    def band(self) -> str:
        """negative | neutral | positive: the label range the score itself allows."""
        if self.kind == "nps":
            return "negative" if self.score <= 6 else "neutral" if self.score <= 8 else "positive"
        return "negative" if self.score <= 2 else "neutral" if self.score == 3 else "positive"


SURVEY_ALIASES = {"nps": "nps", "csat": "csat", "exit": "exit"}
"""Survey kinds: nps (0-10), csat (1-5), exit (exit interview, no score)."""


def parse_survey(score: int | None, survey: str | None) -> SurveyScore | None:
    """Validate a score and decide its scale.

    Without ``survey`` a score of 0 or 6..10 can only be NPS; 1..5 is ambiguous
    (CSAT 5 is delighted, NPS 5 is a detractor), so it is ignored rather than
    guessed. Raises ValueError for impossible values.
    """
    if score is None:
        if survey is not None and survey.lower() not in SURVEY_ALIASES:
            raise ValueError(f"unknown survey {survey!r} (use 'nps', 'csat' or 'exit')")
        return None
    if isinstance(score, bool) or not isinstance(score, int):
        raise ValueError(f"score must be an integer, got {score!r}")
    kind = None
    if survey is not None:
        kind = SURVEY_ALIASES.get(survey.lower())
        if kind is None:
            raise ValueError(f"unknown survey {survey!r} (use 'nps', 'csat' or 'exit')")
    if kind == "exit":
        return None  # exit interviews carry no score scale; a stray score is ignored
    if kind == "nps" or (kind is None and (score == 0 or 6 <= score <= 10)):
        if not 0 <= score <= 10:
            raise ValueError(f"NPS score must be 0..10, got {score}")
        return SurveyScore("nps", score)
    if kind == "csat":
        if not 1 <= score <= 5:
            raise ValueError(f"CSAT score must be 1..5, got {score}")
        return SurveyScore("csat", score)
    if not 0 <= score <= 10:
        raise ValueError(f"score must be 0..10 (NPS) or 1..5 (CSAT), got {score}")
    return None  # 1..5 without a survey kind: ambiguous, ignored


def label_for(polarity: float, cut: float | None = None) -> str:
    """negative / neutral / positive; ``cut`` replaces the default +-0.4 bounds (a learned
    model's label cut, chosen on validation data)."""
    hi, lo = (POSITIVE_AT, NEGATIVE_AT) if cut is None else (cut, -cut)
    if polarity >= hi:
        return "positive"
    if polarity <= lo:
        return "negative"
    return "neutral"


def blend_polarity(rule_pol: float, model_pol: float, weight: float) -> float:
    """Text polarity from the rule-based scorer and a learned model's P(pos) - P(neg)."""
    return (1.0 - weight) * rule_pol + weight * model_pol


def corrected_valence(
    text_valence: float, n_reasons: int, lang: str = "en", n_clauses: int = 1
) -> float:
    """A text's (or sentence's) valence, scaled per language and corrected by the reasons
    the rules found in it, before squashing."""
    tuning = TUNING.get(lang, TUNING["en"])
    v = text_valence * tuning.scale
    if n_reasons:
        weight = min(1.0, LONG_TEXT_CLAUSES / max(1, n_clauses))
        if v > 0:
            v *= 1.0 - 0.5 * weight  # praise next to a complaint is politeness, not the verdict
        v -= tuning.reason_penalty * min(n_reasons, 2) * weight
    return v


def text_polarity(
    text_valence: float, n_reasons: int, lang: str = "en", n_clauses: int = 1
) -> float:
    """The text's own polarity (-1..1) from its valence and the reasons the rules found."""
    return squash(corrected_valence(text_valence, n_reasons, lang, n_clauses))


def with_survey(text_pol: float, survey: SurveyScore) -> tuple[float, str]:
    """Final polarity and label from the text's polarity and a survey score."""
    pol = 0.6 * survey.polarity + 0.4 * text_pol
    label = label_for(pol)
    band = survey.band
    if (band == "negative" and label == "positive") or (
        band == "positive" and label == "negative" and text_pol > -0.5
    ):
        label = "neutral"
    return round(max(-1.0, min(1.0, pol)), 4), label


def combine(
    text_valence: float,
    n_reasons: int,
    survey: SurveyScore | None,
    lang: str = "en",
    n_clauses: int = 1,
) -> tuple[float, str]:
    """Final polarity and label from the text valence, reasons found and survey score."""
    text_pol = text_polarity(text_valence, n_reasons, lang, n_clauses)
    if survey is None:
        return round(text_pol, 4), label_for(text_pol)
    return with_survey(text_pol, survey)
