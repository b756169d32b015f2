"""The Tagger: compiled rules + language detection + sentiment + the learned layer.

Everything is compiled once in ``Tagger.__init__``; ``tag`` does no I/O (the
TextBlob lexicon, lingua models and a language's learned model load lazily on first
use, then stay).

Reasons: a rule hit always counts and is the explanation (rule id and span); a language's
learned model (``model.py``) adds reasons whose probability reaches the reason's threshold,
unless its sentiment model finds the text praise (P(positive) at or over the model's
praise gate).
Every reason carries a confidence and a source ("rule" or "model"); a model reason explains
itself by the features with the largest coefficient x value.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

from .langdetect import LanguageDetector
from .matcher import LanguageMatcher, Match, resolve_overlaps
from .model import Evidence, Prediction, TextModel, load_shipped
from .normalize import Token, normalize_chars, safe_lower
from .rules import LANGUAGES, LanguageSettings, RuleSet, load_rules
from .sentiment import (
    LONG_TEXT_CLAUSES,
    LONG_TEXT_SENTENCES,
    LearnedLexicon,
    SurveyScore,
    WordLexicon,
    ZhLexicon,
    blend_polarity,
    combine,
    corrected_valence,
    label_for,
    parse_survey,
    squash,
    with_survey,
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


RULE_CONFIDENCE = 0.9
"""Confidence of a rule hit for a reason the language's model has no classifier for
(or when there is no model): rules are written to be precise, but nothing measured it."""


PRAISE_RULE_AGREEMENT = 0.5
"""A rule hit in a long text (more than LONG_TEXT_CLAUSES clauses) that the language's model
reads as praise (P(positive) at or over its praise gate) counts only if the model finds its
reason at least this likely (a reason the model does not score has nothing but the rule for
it, and does not count either). Long happy reviews mention a discount,
a call-back or a return in passing ("зі знижкою", "не дивлячись на те, що"); the rules,
written for short feedback, tagged 82 % of the positive Ukrainian store reviews
(validation part) with a reason. Short mixed texts ("Great app but too expensive") are
never gated. Chosen on the gold validation split (docs/tagging.md, "Praise")."""


@dataclass(frozen=True, slots=True)
class Tag:
    """One reason of a text: where it came from, how sure, and why."""

    reason: str
    source: str  # "rule" or "model"
    confidence: float  # 0..1: the model's probability, or at least the rule's confidence
    rule: str  # the rule id, or "model.<lang>.<reason>"
    match: Match | None = None  # the rule's span (source "rule")
    evidence: tuple[Evidence, ...] = ()  # top features (source "model")

    def why(self) -> str:
        """ "'never answers' (rule support.en.slow_response)" or "'дорого' +1.9, 'тариф' +0.8"."""
        if self.match is not None:
            return f"'{self.match.text}' (rule {self.rule})"
        return ", ".join(f"'{e.feature}' {e.weight:+.1f}" for e in self.evidence)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "reason": self.reason,
            "source": self.source,
            "confidence": round(self.confidence, 3),
            "rule": self.rule,
            "why": self.why(),
        }
        if self.match is not None:
            out["span"] = [self.match.start, self.match.end]
        else:
            out["features"] = [
                {"feature": e.feature, "weight": e.weight, "span": [e.start, e.end]}
                if e.start is not None
                else {"feature": e.feature, "weight": e.weight}
                for e in self.evidence
            ]
        return out


@dataclass(frozen=True, slots=True)
class TagResult:
    """Tags for one text. ``rules[i]`` is the rule that made ``reasons[i]``
    (``model.<lang>.<reason>`` for a reason only the learned model found);
    ``tags[i]`` holds its source, confidence and explanation."""

    text: str
    lang: str
    sentiment: float
    label: str
    reasons: tuple[str, ...]
    rules: tuple[str, ...]
    matches: tuple[Match, ...] = ()
    tags: tuple[Tag, ...] = ()
    truncated: bool = False
    """``text`` is the first MAX_TEXT_CHARS characters of a longer text."""

    @property
    def confidences(self) -> tuple[float, ...]:
        return tuple(t.confidence for t in self.tags)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(t.source for t in self.tags)

    def to_json(self, detail: bool = False) -> dict[str, Any]:
        """The CLI/storage shape: text, lang, sentiment, label, reasons, rules; with
        ``"truncated": true`` only when the text was cut (so the usual shape stays);
        ``detail=True`` adds "tags": one object per reason with source, confidence, why."""
        out: dict[str, Any] = {
            "text": self.text,
            "lang": self.lang,
            "sentiment": self.sentiment,
            "label": self.label,
            "reasons": list(self.reasons),
            "rules": list(self.rules),
        }
        if self.truncated:
            out["truncated"] = True
        if detail:
            out["tags"] = [t.to_json() for t in self.tags]
        return out


class Tagger:
    """Compiled rules for all languages; ``tag`` one text at a time."""

    def __init__(
        self,
        rules: RuleSet | None = None,
        morphology: Mapping[str, str] | None = None,
        use_model: bool = True,
        models: Mapping[str, TextModel | None] | None = None,
    ) -> None:
        """Compile ``rules`` (default: the shipped file).

        ``morphology`` overrides the word normaliser per language ({"ru": "snowball"});
        it exists so the evaluation can compare backends, the defaults are measured best.
        ``use_model=False`` tags with the rules and lexicons alone (the "before" of the
        evaluation, and what the models are trained beside). ``models`` replaces the
        shipped learned models per language (a company model; ``None`` = no model).
        """
        self.use_model = use_model
        self._models: dict[str, TextModel | None] = dict(models or {})
        self._models_lock = threading.Lock()
        self._shipped_models: dict[str, TextModel | None] = {}
        shipped = rules is None
        self.rules = rules if rules is not None else load_rules()
        backends = dict(morphology or {})
        self.reason_keys = self.rules.reason_keys

        def build_matcher(lang: str) -> LanguageMatcher:
            lang_rules = [r for r in self.rules.rules if r.lang == lang]
            settings = self.rules.languages.get(lang, LanguageSettings())
            return LanguageMatcher(
                lang, lang_rules, settings, self.rules.source, backends.get(lang)
            )

        def build_lexicon(lang: str) -> WordLexicon:
            norm = self._matchers[lang].normalizer
            assert norm is not None
            settings = self.rules.languages.get(lang, LanguageSettings())
            return WordLexicon(lang, norm, settings.negations)

        # The shipped rules are valid (tests check them) and compile per language on first
        # use: a process tagging English never compiles the other four (start-up < 1 s).
        # A company's file compiles at once, so a bad pattern fails where it is loaded.
        self._matchers: _Lazy[LanguageMatcher] = _Lazy(build_matcher)
        self._lexicons: _Lazy[WordLexicon] = _Lazy(build_lexicon)
        if not shipped:
            for lang in LANGUAGES:
                self._matchers[lang]
        self._zh_lexicon: ZhLexicon | None = None
        self._learned_lexicon: LearnedLexicon | None = None
        self._detector = LanguageDetector()
        warm_up()

    @property
    def _zh(self) -> ZhLexicon:
        if self._zh_lexicon is None:
            self._zh_lexicon = ZhLexicon()
        return self._zh_lexicon

    @property
    def _learned(self) -> LearnedLexicon:
        if self._learned_lexicon is None:
            self._learned_lexicon = LearnedLexicon(
                Path(
                    str(
                        resources.files("insights.tagging") / "data" / "lexicons" / "en_learned.txt"
                    )
                )
            )
        return self._learned_lexicon

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
        *,
        use_model: bool | None = None,
        explain: bool = True,
    ) -> TagResult:
        """Tag one text with reasons (and the rules that fired) and a sentiment.

        ``lang`` is used when given (en, ru, uk, da, zh; regional forms like
        "en-GB" are accepted) unless the text plainly is another language (its script,
        letters or function words say so); otherwise it is detected, and when
        detection is unsure every language's rules are tried. ``score`` with ``survey``
        ("nps" 0-10 or "csat" 1-5) is combined into the sentiment.
        Raises ValueError for a score that fits no survey.

        Only the first MAX_TEXT_CHARS characters are tagged (``truncated`` says when
        there were more); lone surrogates are read as U+FFFD. ``explain=False`` leaves a
        model reason's evidence empty (``tag_lines`` prints no evidence: ~30 µs a text).
        """
        job = self._prepare(text, lang, score, survey, use_model, explain)
        return job if isinstance(job, TagResult) else self._finish(job)

    def tag_many(
        self,
        items: Sequence[tuple[str, str | None, int | None, str | None]],
        *,
        use_model: bool | None = None,
        explain: bool = True,
    ) -> list[TagResult | ValueError]:
        """``tag`` for a batch of (text, lang, score, survey): the same results, but the
        learned model featurizes and scores the batch at once (one product per language
        instead of one per text). A score that fits no survey gives its ValueError in
        place of a result, so one bad row does not lose the batch."""
        jobs: list[_Job | TagResult | ValueError] = []
        for text, lang, score, survey in items:
            try:
                jobs.append(self._prepare(text, lang, score, survey, use_model, explain))
            except ValueError as exc:
                jobs.append(exc)
        by_lang: dict[str, list[_Job]] = {}
        for job in jobs:
            if isinstance(job, _Job) and job.segments is None and job.use_model:
                by_lang.setdefault(job.code, []).append(job)
        for code, group in by_lang.items():
            model = self.model(code)
            if model is not None:
                preds = model.predict_many([j.text for j in group])
                for j, pred in zip(group, preds, strict=True):
                    j.pred = pred
        return [self._finish_or_error(j) if isinstance(j, _Job) else j for j in jobs]

    def _finish_or_error(self, job: _Job) -> TagResult | ValueError:
        """``_finish``, with a ValueError in place of the result (as ``tag`` would raise)."""
        try:
            return self._finish(job)
        except ValueError as exc:
            return exc

    def _prepare(
        self,
        text: str,
        lang: str | None,
        score: int | None,
        survey: str | None,
        use_model: bool | None,
        explain: bool,
    ) -> _Job | TagResult:
        """Everything before the learned model: the text cut and cleaned, its language
        and language runs; a TagResult already when the text has no letters."""
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        parsed_survey = parse_survey(score, survey)
        truncated = len(text) > MAX_TEXT_CHARS
        if truncated:
            text = text[:MAX_TEXT_CHARS]
        if _SURROGATE_RE.search(text):
            text = _SURROGATE_RE.sub("\ufffd", text)
        low = safe_lower(normalize_chars(text))
        code, try_all = self._language_of(text, lang)
        if code is None:  # no letters at all: nothing to match, sentiment from score only
            pol, label = combine(0.0, 0, parsed_survey)
            return TagResult(text, UNDETERMINED, pol, label, (), (), (), truncated=truncated)
        if use_model is None:
            use_model = self.use_model
        segments = self._language_segments(text)
        return _Job(
            text, low, code, try_all, segments, parsed_survey, truncated, use_model, explain
        )

    def _finish(self, job: _Job) -> TagResult:
        """Rules, polarity and reasons of a prepared text (``job.pred``: the model's
        prediction when a batch computed it already)."""
        text = job.text
        if job.segments is None:
            part = self._tag_part(
                text, job.low, job.code, job.try_all, job.use_model, job.explain, job.pred
            )
        else:
            part = self._tag_segments(text, job.segments, job.use_model, job.explain)
        if job.survey is None:
            pol, label = part.polarity, label_for(part.polarity, part.cut)
        else:
            pol, label = with_survey(part.polarity, job.survey)
        return TagResult(
            text,
            part.lang,
            pol,
            label,
            tuple(t.reason for t in part.tags),
            tuple(t.rule for t in part.tags),
            part.matches,
            part.tags,
            truncated=job.truncated,
        )

    def _language_of(self, text: str, lang: str | None) -> tuple[str | None, bool]:
        """The language to tag `text` in (None: no letters at all), and whether detection
        was unsure, so that every language's rules are to be tried."""
        code = normalize_lang(lang)
        if code is not None:
            # The given language is the customer's (their chat, their CRM record); the text
            # may be in another (a Danish customer writing English). When the text itself
            # settles it (script, telltale letters, function words), the text wins.
            seen = self._detector.detect(text, model=False)
            if seen.confident and seen.lang is not None:
                code = seen.lang
            return code, False
        det = self._detector.detect(text)
        return det.lang, not det.confident

    def _tag_part(
        self,
        text: str,
        low: str,
        code: str,
        try_all: bool,
        use_model: bool,
        explain: bool = True,
        pred: Prediction | None = None,
    ) -> _Part:
        """Reasons and text polarity of a text (or one language's part of it)."""
        matches, toks = self._matchers[code].find(low, text)
        if try_all:
            extra: list[Match] = []
            for other in LANGUAGES:
                if other != code:
                    extra.extend(self._matchers[other].find(low, text)[0])
            if extra:
                matches = resolve_overlaps(matches + extra)

        model = self.model(code) if use_model else None
        if pred is None and model is not None:
            pred = model.predict(text)
        n_clauses = _clause_count(toks, text)
        tags = self._reason_tags(code, text, matches, model, pred, n_clauses, explain)
        kept = {t.reason for t in tags if t.source == "rule"}
        rule_matches = tuple(m for m in matches if m.reason in kept)  # vetoed hits left out

        text_pol = self._text_polarity(code, text, low, toks, rule_matches)
        cut: float | None = None
        if model is not None and pred is not None and not pred.sentiment:
            # a company model without a sentiment head: the shipped model's sentiment stays
            shipped = self._shipped(code)
            if shipped is not None and shipped is not model and shipped.has_sentiment:
                model, pred = shipped, shipped.predict(text)
        if model is not None and pred is not None and pred.sentiment:
            weight = float(model.meta.get("sentiment_weight", 0.0))
            if weight > 0:
                model_pol = pred.sentiment["positive"] - pred.sentiment["negative"]
                text_pol = round(blend_polarity(text_pol, model_pol, weight), 4)
                cut = float(model.meta.get("sentiment_cut", 0.4))
        return _Part(code, tuple(matches), tags, text_pol, cut)

    def _text_polarity(
        self, code: str, text: str, low: str, toks: list[Token], matches: Sequence[Match]
    ) -> float:
        """The rule-based polarity of a text. A long text (more than LONG_TEXT_CLAUSES
        clauses) is scored sentence by sentence, each sentence's valence corrected by the
        reasons matched in it; the sum is scaled by LONG_TEXT_SENTENCES / sentences (at most
        1) and squashed. So a complaint repeated keeps its sign (lexicon sums grow with
        length while a reason counts once per text: until 2026-12 repetition turned
        complaints into praise), and a complaint in a long review weighs as its sentences."""
        clauses = toks[-1].clause + 1 if toks else 1
        if clauses <= LONG_TEXT_CLAUSES:
            valence = self._valence(code, text, low, toks, matches)
            n_reasons = len({m.reason for m in matches})
            return combine(valence, n_reasons, None, code, clauses)[0]
        total = 0.0
        n_sentences = 0
        a = i = k = 0
        by_start = sorted(matches, key=lambda m: m.start)
        for m_end in _SENTENCE_RE.finditer(text):
            b = m_end.end()
            chunk: list[Token] = []
            while i < len(toks) and toks[i].start < b:
                chunk.append(toks[i])
                i += 1
            if not chunk and b < len(text):
                continue  # no words yet: joins the next sentence
            inside: list[Match] = []
            while k < len(by_start) and by_start[k].start < b:
                inside.append(_shift_match(by_start[k], -a))
                k += 1
            n_clauses = chunk[-1].clause - chunk[0].clause + 1 if chunk else 1
            valence = self._valence(code, text[a:b], low[a:b], chunk, inside)
            total += corrected_valence(valence, len({m.reason for m in inside}), code, n_clauses)
            n_sentences += 1
            a = b
        scale = min(1.0, LONG_TEXT_SENTENCES / max(1, n_sentences))
        return round(squash(total * scale), 4)

    def _language_segments(self, text: str) -> list[tuple[int, int, str]] | None:
        """Sentences grouped into runs of one language when the text plainly mixes two or
        more (different scripts, or sentences whose telltale letters or function words
        name different languages); else None. Consecutive sentences of one script join a
        run unless both name different languages; a run no sentence settles is detected
        as a whole (lingua, restricted to its script's pair)."""
        if len(text) > MIXED_MAX_CHARS:
            return None
        pieces = [m.span() for m in _SENTENCE_RE.finditer(text)]
        if len(pieces) < 2:
            return None
        runs: list[list[Any]] = []  # [start, end, family, lang or None]
        for a, b in pieces:
            det = self._detector.detect(text[a:b], model=False)
            if det.lang is None:
                if runs:
                    runs[-1][1] = b
                continue
            family = _FAMILY[det.lang]
            lang = det.lang if det.confident else None
            last = runs[-1] if runs else None
            if (
                last is not None
                and last[2] == family
                and (lang is None or last[3] is None or lang == last[3])
            ):
                last[1] = b
                last[3] = last[3] or lang
            else:
                runs.append([a, b, family, lang])
        if len(runs) < 2:
            return None
        if runs[0][0] > 0:
            runs[0][0] = 0
        out: list[tuple[int, int, str]] = []
        for a, b, _family, lang in runs:
            if lang is None:
                lang = self._detector.detect(text[a:b]).lang or "en"
            out.append((a, b, lang))
        if len({lang for _, _, lang in out}) < 2:
            return None
        return out

    def _tag_segments(
        self,
        text: str,
        segments: Sequence[tuple[int, int, str]],
        use_model: bool,
        explain: bool = True,
    ) -> _Part:
        """Tag each language's run on its own and merge: reasons in text order (first
        occurrence), spans shifted into the whole text, polarity weighted by length."""
        tags: list[Tag] = []
        matches: list[Match] = []
        seen: set[str] = set()
        pol_sum = 0.0
        size: dict[str, int] = {}
        cuts: list[float] = []
        for a, b, lang in segments:
            piece = text[a:b]
            low = safe_lower(normalize_chars(piece))
            part = self._tag_part(piece, low, lang, False, use_model, explain)
            matches.extend(_shift_match(m, a) for m in part.matches)
            for t in part.tags:
                if t.reason not in seen:
                    seen.add(t.reason)
                    tags.append(_shift_tag(t, a))
            pol_sum += part.polarity * (b - a)
            size[lang] = size.get(lang, 0) + (b - a)
            if part.cut is not None:
                cuts.append(part.cut)
        total = sum(b - a for a, b, _ in segments)
        main = max(size, key=lambda k: size[k])
        cut = sum(cuts) / len(cuts) if cuts else None
        return _Part(main, tuple(matches), tuple(tags), round(pol_sum / total, 4), cut)

    def without_model(self) -> Tagger:
        """This tagger with the learned layer off (the same compiled rules): rules alone."""
        plain = copy.copy(self)
        plain.use_model = False
        return plain

    def clause_count(self, text: str, lang: str | None = None) -> int:
        """Clauses of a text as the reason gates count them: a text of more than
        LONG_TEXT_CLAUSES is long (training simulates the gates with this)."""
        job = self._prepare(text, lang, None, None, False, False)
        if isinstance(job, TagResult):
            return 1
        return _clause_count(self._matchers[job.code].find(job.low, job.text)[1], job.text)

    def rule_reasons(self, text: str, lang: str | None = None) -> tuple[str, ...]:
        """Reasons the rules alone find (what the learned layer is trained beside)."""
        return self.tag(text, lang=lang, use_model=False).reasons

    def model(self, lang: str) -> TextModel | None:
        """The learned model of a language (loaded on first use), or None."""
        if lang not in self._models:
            with self._models_lock:
                if lang not in self._models:
                    self._models[lang] = load_shipped(lang)
        return self._models[lang]

    def _shipped(self, lang: str) -> TextModel | None:
        """The shipped model of a language (for the sentiment of a company model without
        one); the same object as ``model(lang)`` unless a company model replaced it."""
        if lang not in self._shipped_models:
            with self._models_lock:
                if lang not in self._shipped_models:
                    current = self._models.get(lang)
                    is_shipped = current is not None and "base" not in current.meta
                    self._shipped_models[lang] = current if is_shipped else load_shipped(lang)
        return self._shipped_models[lang]

    def _reason_tags(
        self,
        code: str,
        text: str,
        matches: Sequence[Match],
        model: TextModel | None,
        pred: Prediction | None,
        n_clauses: int = 1,
        explain: bool = True,
    ) -> tuple[Tag, ...]:
        tags: list[Tag] = []
        seen: set[str] = set()
        probs = pred.reasons if pred is not None else {}
        positive = pred.sentiment.get("positive", 0.0) if pred is not None else 0.0
        gate = float(model.meta.get("praise_gate", 1.01)) if model is not None else 1.01
        praise = positive >= gate
        long_text = n_clauses > LONG_TEXT_CLAUSES
        agreement = model.meta.get("rule_agreement", {}) if model is not None else {}
        for m in matches:
            if m.reason in seen:
                continue
            p = probs.get(m.reason)
            if praise and long_text and (p is None or p < PRAISE_RULE_AGREEMENT):
                continue  # mentioned in passing in a long happy review: the model disagrees
            if long_text and p is not None and p < agreement.get(m.reason, 0.0):
                continue  # a long text where this reason's rules fire on mentions
            conf = RULE_CONFIDENCE
            if p is not None and model is not None:
                # the model's probability, but never below the rule's measured precision
                conf = max(p, float(model.meta.get("rule_precision", {}).get(m.reason, 0.0)))
            seen.add(m.reason)
            tags.append(Tag(m.reason, "rule", conf, m.rule, m))
        if model is not None and pred is not None and not praise:
            found = [
                (p, k)
                for k, p in probs.items()
                if k not in seen and p >= model.thresholds.get(k, 1.1)
            ]
            for p, k in sorted(found, reverse=True):
                evidence = tuple(model.explain(text, pred, k)) if explain else ()
                tags.append(Tag(k, "model", p, f"model.{code}.{k}", None, evidence))
        return tuple(tags)

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


_T = TypeVar("_T")

MIXED_MAX_CHARS = 20_000
"""Texts longer than this are tagged in one language (the detector reads the first
2,000 characters anyway); per-sentence language is for feedback-sized texts."""

_SENTENCE_RE = re.compile(r"[^.!?。！？\n]+[.!?。！？\n]*|[.!?。！？\n]+")


_ZH_CLAUSE_RE = re.compile(r"[,.!?;，。！？；\n]+(?=.)")
"""Clause ends in a text without word tokens (Chinese): what ends a clause there."""


def _clause_count(toks: Sequence[Token], text: str) -> int:
    """Clauses of a text from its tokens' clause numbers (Chinese: from its punctuation,
    the matcher having no word tokens there)."""
    return toks[-1].clause + 1 if toks else len(_ZH_CLAUSE_RE.findall(text)) + 1


_FAMILY = {"en": "latin", "da": "latin", "ru": "cyrillic", "uk": "cyrillic", "zh": "han"}


@dataclass(slots=True)
class _Job:
    """A text prepared for tagging (``Tagger._prepare``); ``pred`` is filled by a batch."""

    text: str
    low: str
    code: str
    try_all: bool
    segments: list[tuple[int, int, str]] | None
    survey: SurveyScore | None
    truncated: bool
    use_model: bool
    explain: bool
    pred: Prediction | None = None


@dataclass(frozen=True, slots=True)
class _Part:
    lang: str
    matches: tuple[Match, ...]
    tags: tuple[Tag, ...]
    polarity: float
    cut: float | None


def _shift_match(m: Match, by: int) -> Match:
    return replace(m, start=m.start + by, end=m.end + by) if by else m


def _shift_tag(t: Tag, by: int) -> Tag:
    if not by:
        return t
    ev = tuple(
        replace(e, start=e.start + by, end=(e.end or 0) + by) if e.start is not None else e
        for e in t.evidence
    )
    return replace(t, match=_shift_match(t.match, by) if t.match else None, evidence=ev)


class _Lazy(Generic[_T]):
    """A per-language map whose values are built on first use (thread-safe)."""

    def __init__(self, build: Callable[[str], _T]) -> None:
        self._build = build
        self._items: dict[str, _T] = {}
        self._lock = threading.RLock()

    def __getitem__(self, lang: str) -> _T:
        item = self._items.get(lang)
        if item is None:
            with self._lock:
                item = self._items.get(lang)
                if item is None:
                    item = self._build(lang)
                    self._items[lang] = item
        return item


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
