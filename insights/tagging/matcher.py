"""Compiling rules and finding (non-negated) rule matches in one language.

Word languages (en, ru, uk, da) are matched on token sequences: every phrase is
indexed by its first word's normalised form, so a text costs one dict lookup per
token, whatever the number of rules. Chinese is matched on characters with one
Aho-Corasick automaton over the first piece of every phrase. Both apply the same
negation scope: a cue shortly before the match in the same clause, or inside a
gap of the match, cancels it ("not expensive at all", "不贵", "价格一点也不贵").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import ahocorasick

from .normalize import Normalizer, Token, normalize_chars, tokenize
from .rules import GAP, LanguageSettings, Rule, RulesError

NEGATION_WINDOW = 3
"""Words (en/ru/uk/da) a negation cue may stand before a match and still negate it."""
RESOLVED_WINDOW = 4
"""Words around a match (same clause) where "sorted", "разобралась с" mark it as fixed."""
MAX_GAP = 3
"""Words a '...' gap may span in word languages."""
ZH_NEGATION_WINDOW = 4
ZH_MAX_GAP = 6
_ZH_BREAK_RE = re.compile(r"[，。！？；：、,.!?;:\s()（）【】~～…]")


@dataclass(frozen=True, slots=True)
class Match:
    """One rule that fired: which rule, which phrase, and where (character span)."""

    reason: str
    rule: str
    lang: str
    phrase: str
    start: int
    end: int
    text: str


# A compiled word pattern: tuple of steps. kind: "f" form, "x" exact, "p" prefix, "g" gap.
_Step = tuple[str, str]


@dataclass(frozen=True, slots=True)
class _WordPattern:
    rule_idx: int
    phrase: str
    steps: tuple[_Step, ...]
    has_cue: bool
    is_except: bool
    simple: bool = True  # no gaps: matched by a flat loop


@dataclass(frozen=True, slots=True)
class _RawHit:
    rule_idx: int
    phrase: str
    start: int
    end: int
    is_except: bool


class _WordMatcher:
    """Token-sequence matcher for en, ru, uk, da."""

    def __init__(
        self,
        lang: str,
        rules: Sequence[Rule],
        settings: LanguageSettings,
        src: str,
        backend: str | None = None,
    ) -> None:
        self.lang = lang
        self.norm = Normalizer(lang, backend)
        self.cues = frozenset(c for c in settings.negations if " " not in c)
        self.pseudo = tuple(tuple(p.split()) for p in settings.pseudo_negations)
        self.breaks = frozenset(settings.clause_breaks)
        self.post = tuple(tuple(p.split()) for p in settings.post_negations)
        self.resolved = frozenset(self.norm.pattern_form(w) for w in settings.resolved)
        self.by_form: dict[str, list[_WordPattern]] = {}
        # simple patterns whose first two words are normalised forms, keyed by both:
        # most multi-word phrases start with common words ("not", "too", "no"), so
        # keying on the pair keeps the candidates per token to the few that can match
        self.by_pair: dict[tuple[str, str], list[_WordPattern]] = {}
        self.by_exact: dict[str, list[_WordPattern]] = {}
        self.by_prefix: dict[str, list[tuple[str, _WordPattern]]] = {}
        self.regexes: list[tuple[re.Pattern[str], _WordPattern]] = []
        guards = [re.escape(normalize_chars(g)) for g in settings.guards]
        self.guard_re = (
            re.compile(r"(?<!\w)(?:" + "|".join(guards) + r")(?!\w)") if guards else None
        )
        for idx, rule in enumerate(rules):
            for phrase in rule.phrases:
                self._add(idx, rule, phrase, False, src)
            for phrase in rule.excepts:
                self._add(idx, rule, phrase, True, src)

    def _is_cue(self, word: str) -> bool:
        return word in self.cues or (self.lang == "en" and word.endswith("n't"))

    def _add(self, idx: int, rule: Rule, phrase: str, is_except: bool, src: str) -> None:
        if phrase.startswith("re:"):
            rx = re.compile(r"(?<!\w)(?:" + phrase[3:] + r")(?!\w)")
            pat = _WordPattern(idx, phrase, (), False, is_except)
            self.regexes.append((rx, pat))
            return
        steps: list[_Step] = []
        has_cue = False
        for w in normalize_chars(phrase.lower()).split():
            if w == GAP:
                steps.append(("g", ""))
                continue
            parts = tokenize(w.lstrip("=").rstrip("*"), self.norm)
            if not parts:
                raise RulesError(
                    f"{src}: reason '{rule.reason}', rule '{rule.id}', pattern {phrase!r}: "
                    f"word {w!r} has no letters"
                )
            for i, tok in enumerate(parts):
                has_cue = has_cue or self._is_cue(tok.surface)
                last = i == len(parts) - 1
                if w.startswith("="):
                    steps.append(("x", tok.surface))
                elif w.endswith("*") and last:
                    steps.append(("p", tok.surface))
                else:
                    steps.append(("f", self.norm.pattern_form(tok.surface)))
        simple = all(k != "g" for k, _ in steps)
        pat = _WordPattern(idx, phrase, tuple(steps), has_cue, is_except, simple)
        kind, value = steps[0]
        if kind == "f" and simple and len(steps) >= 2 and steps[1][0] == "f":
            self.by_pair.setdefault((value, steps[1][1]), []).append(pat)
        elif kind == "f":
            self.by_form.setdefault(value, []).append(pat)
        elif kind == "x":
            self.by_exact.setdefault(value, []).append(pat)
        else:
            self.by_prefix.setdefault(value[:2], []).append((value, pat))

    @staticmethod
    def _step_ok(step: _Step, tok: Token) -> bool:
        kind, value = step
        if kind == "f":
            return value in tok.forms
        if kind == "x":
            return tok.surface == value
        return tok.surface.startswith(value)

    def _extend(
        self, toks: list[Token], steps: tuple[_Step, ...], si: int, ti: int, gaps: list[int]
    ) -> int:
        """Match steps[si:] from token ti; return end token index (exclusive) or -1."""
        if si == len(steps):
            return ti
        step = steps[si]
        if step[0] == "g":
            nxt = steps[si + 1]
            clause = toks[ti - 1].clause
            for k in range(ti, min(len(toks), ti + MAX_GAP + 1)):
                if toks[k].clause != clause:
                    break
                if self._step_ok(nxt, toks[k]):
                    end = self._extend(toks, steps, si + 2, k + 1, gaps)
                    if end >= 0:
                        gaps.extend(range(ti, k))
                        return end
            return -1
        if ti >= len(toks) or not self._step_ok(step, toks[ti]):
            return -1
        return self._extend(toks, steps, si + 1, ti + 1, gaps)

    def _cue_flags(self, toks: list[Token]) -> list[bool]:
        flags = [self._is_cue(t.surface) for t in toks]
        if self.pseudo:
            for i, t in enumerate(toks):
                if not flags[i]:
                    continue
                for p in self.pseudo:
                    if p[0] == t.surface and tuple(x.surface for x in toks[i : i + len(p)]) == p:
                        flags[i] = False
        return flags

    def _resolved_flags(self, toks: list[Token], cue: list[bool]) -> list[bool]:
        """Tokens saying a problem was fixed ("sorted", "разобралась"), themselves not negated."""
        if not self.resolved:
            return [False] * len(toks)
        flags = []
        for j, t in enumerate(toks):
            hit = not self.resolved.isdisjoint(t.forms)
            if hit and any(cue[k] for k in range(max(0, j - 2), j)):
                hit = False  # "never resolved" is a complaint
            flags.append(hit)
        return flags

    def find(self, low: str) -> tuple[list[_RawHit], list[Token]]:
        """All hits (rule and except phrases) that are not negated or marked as resolved."""
        toks = tokenize(low, self.norm, self.breaks)
        cue = self._cue_flags(toks)
        fixed = self._resolved_flags(toks, cue)
        any_fixed = any(fixed)
        hits: list[_RawHit] = []
        ntoks = len(toks)
        form_get = self.by_form.get
        pair_get = self.by_pair.get
        exact_get = self.by_exact.get if self.by_exact else None
        prefix_get = self.by_prefix.get if self.by_prefix else None
        step_ok = self._step_ok
        for i, tok in enumerate(toks):
            cands: list[_WordPattern] = []
            nxt_forms = toks[i + 1].forms if i + 1 < ntoks else ()
            for f in tok.forms:
                lst = form_get(f)
                if lst:
                    cands += lst
                for f2 in nxt_forms:
                    lst = pair_get((f, f2))
                    if lst:
                        cands += lst
            if exact_get is not None:
                lst = exact_get(tok.surface)
                if lst:
                    cands += lst
            if prefix_get is not None:
                surface = tok.surface
                for key in {surface[:1], surface[:2]}:
                    for prefix, pat in prefix_get(key, ()):
                        if surface.startswith(prefix):
                            cands.append(pat)
            for pat in cands:
                gaps: list[int] = []
                steps = pat.steps
                if pat.simple:
                    end = i + len(steps)
                    if end > ntoks:
                        continue
                    if len(steps) > 1 and not all(
                        step_ok(steps[k], toks[i + k]) for k in range(1, len(steps))
                    ):
                        continue
                else:
                    end = self._extend(toks, steps, 1, i + 1, gaps)
                    if end < 0:
                        continue
                if not pat.is_except and self._negated(toks, cue, i, gaps, pat.has_cue):
                    continue
                if (
                    self.post
                    and not pat.is_except
                    and not pat.has_cue
                    and self._post_negated(toks, end)
                ):
                    continue
                if any_fixed and not pat.is_except and _near(toks, fixed, i, end):
                    continue
                hits.append(
                    _RawHit(pat.rule_idx, pat.phrase, tok.start, toks[end - 1].end, pat.is_except)
                )
        if self.regexes:
            starts = [t.start for t in toks]
            for rx, pat in self.regexes:
                for m in rx.finditer(low):
                    i = bisect_right(starts, m.start()) - 1
                    if not pat.is_except and i >= 0 and self._negated(toks, cue, i, [], False):
                        continue
                    hits.append(
                        _RawHit(pat.rule_idx, pat.phrase, m.start(), m.end(), pat.is_except)
                    )
        if self.guard_re is not None:
            hits = _drop_guarded(hits, self.guard_re, low)
        return hits, toks

    def _post_negated(self, toks: list[Token], end: int) -> bool:
        """A negation right after the match: "ошибок не было", "проблем нет"."""
        if end >= len(toks):
            return False
        clause = toks[end - 1].clause
        for p in self.post:
            seg = toks[end : end + len(p)]
            if len(seg) == len(p) and all(
                t.surface == w and t.clause == clause for t, w in zip(seg, p, strict=True)
            ):
                return True
        return False

    @staticmethod
    def _negated(
        toks: list[Token], cue: list[bool], i: int, gaps: list[int], has_cue: bool
    ) -> bool:
        if any(cue[g] for g in gaps):
            return True
        if has_cue:
            return False  # the phrase is a complaint with its own negation ("doesn't work")
        clause = toks[i].clause
        for j in range(i - 1, max(-1, i - NEGATION_WINDOW - 1), -1):
            if toks[j].clause != clause:
                break
            if cue[j]:
                return True
        return False


def _near(toks: list[Token], flags: list[bool], i: int, end: int) -> bool:
    """Is a flagged token within RESOLVED_WINDOW of tokens [i, end) in the same clause?"""
    clause_a, clause_b = toks[i].clause, toks[end - 1].clause
    for j in range(max(0, i - RESOLVED_WINDOW), i):
        if flags[j] and toks[j].clause == clause_a:
            return True
    for j in range(end, min(len(toks), end + RESOLVED_WINDOW)):
        if flags[j] and toks[j].clause == clause_b:
            return True
    return False


class _ZhMatcher:
    """Character matcher for Chinese: literal pieces, gaps of up to ZH_MAX_GAP characters."""

    def __init__(self, rules: Sequence[Rule], settings: LanguageSettings) -> None:
        self.lang = "zh"
        self.cues = tuple(sorted(settings.negations, key=len, reverse=True))
        self.pseudo = settings.pseudo_negations
        self.breaks = settings.clause_breaks
        self.resolved = settings.resolved
        self.auto = ahocorasick.Automaton()
        entries: dict[str, list[tuple[int, str, tuple[str, ...], bool, bool]]] = {}
        regexes: list[tuple[re.Pattern[str], int, str, bool]] = []
        for idx, rule in enumerate(rules):
            for phrase, is_exc in [(p, False) for p in rule.phrases] + [
                (p, True) for p in rule.excepts
            ]:
                if phrase.startswith("re:"):
                    regexes.append((re.compile(phrase[3:]), idx, phrase, is_exc))
                    continue
                pieces = tuple(x.strip().lower() for x in phrase.split(GAP))
                has_cue = any(c in piece for piece in pieces for c in self.cues)
                entries.setdefault(pieces[0], []).append((idx, phrase, pieces, has_cue, is_exc))
        for key, vals in entries.items():
            self.auto.add_word(key, (key, vals))
        self.empty = not entries
        if not self.empty:
            self.auto.make_automaton()
        self.regexes = regexes
        guards = sorted(settings.guards, key=len, reverse=True)
        self.guard_re = re.compile("|".join(re.escape(g) for g in guards)) if guards else None

    def _pre_context(self, low: str, start: int) -> str:
        pre = low[max(0, start - ZH_NEGATION_WINDOW) : start]
        cut = 0
        for m in _ZH_BREAK_RE.finditer(pre):
            cut = m.end()
        pre = pre[cut:]
        for b in self.breaks:
            k = pre.rfind(b)
            if k >= 0:
                pre = pre[k + len(b) :]
        return pre

    def _is_resolved(self, low: str, start: int, end: int) -> bool:
        """A fix cue (解决了, 处理好了) in the same clause, up to 14 characters away."""
        before = _ZH_BREAK_RE.split(low[max(0, start - 14) : start])[-1]
        after = _ZH_BREAK_RE.split(low[end : end + 14])[0]
        return any(r in before or r in after for r in self.resolved)

    def _pseudo_spans(self, low: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        for p in self.pseudo:
            k = low.find(p)
            while k >= 0:
                spans.append((k, k + len(p)))
                k = low.find(p, k + 1)
        return spans

    def _has_cue(self, low: str, a: int, b: int, pseudo: list[tuple[int, int]]) -> bool:
        """Is there a negation cue in low[a:b] that is not part of a pseudo-negation?"""
        seg = low[a:b]
        for c in self.cues:
            k = seg.find(c)
            while k >= 0:
                pos = a + k
                if not any(s <= pos < e for s, e in pseudo):
                    return True
                k = seg.find(c, k + 1)
        return False

    def find(self, low: str) -> tuple[list[_RawHit], list[Token]]:
        hits: list[_RawHit] = []
        pseudo = self._pseudo_spans(low) if self.pseudo else []
        if not self.empty:
            for end_idx, (key, vals) in self.auto.iter(low):
                start = end_idx - len(key) + 1
                for idx, phrase, pieces, has_cue, is_exc in vals:
                    pos = end_idx + 1
                    gap_spans: list[tuple[int, int]] = []
                    ok = True
                    for piece in pieces[1:]:
                        window = low[pos : pos + ZH_MAX_GAP + len(piece)]
                        k = window.find(piece)
                        if k < 0 or _ZH_BREAK_RE.search(window, 0, k):
                            ok = False
                            break
                        if k:
                            gap_spans.append((pos, pos + k))
                        pos += k + len(piece)
                    if not ok:
                        continue
                    if not is_exc:
                        if any(self._has_cue(low, a, b, pseudo) for a, b in gap_spans):
                            continue
                        pre = self._pre_context(low, start)
                        if (
                            not has_cue
                            and pre
                            and self._has_cue(low, start - len(pre), start, pseudo)
                        ):
                            continue
                        if self.resolved and self._is_resolved(low, start, pos):
                            continue
                    hits.append(_RawHit(idx, phrase, start, pos, is_exc))
        for rx, idx, phrase, is_exc in self.regexes:
            for m in rx.finditer(low):
                pre = self._pre_context(low, m.start())
                if (
                    not is_exc
                    and pre
                    and self._has_cue(low, m.start() - len(pre), m.start(), pseudo)
                ):
                    continue
                hits.append(_RawHit(idx, phrase, m.start(), m.end(), is_exc))
        if self.guard_re is not None:
            hits = _drop_guarded(hits, self.guard_re, low)
        return hits, []


def _drop_guarded(hits: list[_RawHit], guard_re: re.Pattern[str], low: str) -> list[_RawHit]:
    """Drop hits lying inside a guard word (贵 inside 贵公司 'your company')."""
    spans = [(m.start(), m.end()) for m in guard_re.finditer(low)]
    if not spans:
        return hits
    return [h for h in hits if not any(s <= h.start and h.end <= e for s, e in spans)]


class LanguageMatcher:
    """All rules of one language, compiled; ``find`` returns accepted matches in text order."""

    def __init__(
        self,
        lang: str,
        rules: Sequence[Rule],
        settings: LanguageSettings,
        src: str,
        backend: str | None = None,
    ) -> None:
        self.lang = lang
        self.rules = tuple(rules)
        self._impl: _WordMatcher | _ZhMatcher
        if lang == "zh":
            self._impl = _ZhMatcher(rules, settings)
        else:
            self._impl = _WordMatcher(lang, rules, settings, src, backend)

    @property
    def normalizer(self) -> Normalizer | None:
        return self._impl.norm if isinstance(self._impl, _WordMatcher) else None

    def find(self, low: str, original: str) -> tuple[list[Match], list[Token]]:
        """Non-negated matches (after excepts and overlaps, in text order) and the tokens."""
        hits, toks = self._impl.find(low)
        if not hits:
            return [], toks
        excepts = [h for h in hits if h.is_except]
        kept = [h for h in hits if not h.is_except]
        if excepts:
            kept = [
                h
                for h in kept
                if not any(
                    e.rule_idx == h.rule_idx and e.start < h.end and h.start < e.end
                    for e in excepts
                )
            ]
        out: list[Match] = []
        for h in kept:
            rule = self.rules[h.rule_idx]
            out.append(
                Match(
                    rule.reason,
                    rule.id,
                    self.lang,
                    h.phrase,
                    h.start,
                    h.end,
                    original[h.start : h.end],
                )
            )
        return resolve_overlaps(out), toks


def resolve_overlaps(matches: list[Match]) -> list[Match]:
    """Drop a match lying strictly inside a longer match (or a duplicate span of its reason).

    "slow response" (support) contains "slow" (bugs); the longer, more specific
    phrase explains the text, the shorter one would be a false second reason.
    """
    ordered = sorted(matches, key=lambda m: (m.start, -m.end))
    if len(ordered) < 2:
        return ordered
    out: list[Match] = []
    for i, m in enumerate(ordered):
        covered = False
        for j, o in enumerate(ordered):
            if j == i or not (o.start <= m.start and m.end <= o.end):
                continue
            longer = (o.end - o.start) > (m.end - m.start)
            # another reason must be strictly longer; the same reason just dedupes
            if longer or (o.reason == m.reason and j < i):
                covered = True
                break
        if not covered:
            out.append(m)
    return out
