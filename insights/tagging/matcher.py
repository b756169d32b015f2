"""Compiling rules and finding (non-negated) rule matches in one language.

Word languages (en, ru, uk, da) are matched on token sequences: every phrase is
indexed by its first word's normalised form, so a text costs one dict lookup per
token, whatever the number of rules. Chinese is matched on characters with one
Aho-Corasick automaton over the first piece of every phrase. Both apply the same
negation scope: a cue shortly before the match in the same clause, or inside a
gap of the match, cancels it ("not expensive at all", "不贵", "价格一点也不贵").
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

import ahocorasick

from .normalize import Normalizer, Token, normalize_chars, ordered_forms, tokenize
from .rules import GAP, NUMBER, LanguageSettings, Rule, RulesError, conj_parts, expand_phrase

NEGATION_WINDOW = 3
"""Words (en/ru/uk/da) a negation cue may stand before a match and still negate it."""
RESOLVED_WINDOW = 4
"""Words around a match (same clause) where "sorted", "разобралась с" mark it as fixed."""
MAX_GAP = 3
"""Words a '...' gap may span in word languages."""
CONJ_WINDOW = 10
"""Words from the start of the first to the end of the last part of an '&' phrase."""
ZH_NEGATION_WINDOW = 4
ZH_MAX_GAP = 6
ZH_CONJ_WINDOW = 16
"""Characters an '&' phrase may span in Chinese (all parts in one clause)."""
_ZH_BREAK_RE = re.compile(r"[，。！？；：、,.!?;:\s()（）【】~～…]")
_QUOTES = frozenset("\"'«»“”„‘’「」『』")
"""A "resolved" word in quotes is reported speech ('closed as "resolved"'), not a fix."""


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


# A compiled word pattern: tuple of steps. kind: "f" form, "x" exact, "p" prefix, "g" gap,
# "d" any number ('#').
_Step = tuple[str, str]


class _WordPattern(NamedTuple):
    rule_idx: int
    phrase: str
    steps: tuple[_Step, ...]
    has_cue: bool
    is_except: bool
    simple: bool = True  # no gaps: matched by a flat loop
    conj: int = -1  # index of the '&' phrase this is a part of (-1: a whole phrase)
    part: int = 0
    need: frozenset[str] = frozenset()
    """Forms/exact words after the first step that the text must contain (a cheap pre-check
    that skips most gapped patterns before the token-by-token walk)."""


_Part = tuple[int, int, int, int, int, "_WordPattern", int]
"""One found part of an '&' phrase: part number, first token, end token (exclusive),
start and end character, the pattern, and the token index of a negation cue before it
(-1 for none)."""


@dataclass(frozen=True, slots=True)
class _RawHit:
    rule_idx: int
    phrase: str
    start: int
    end: int
    is_except: bool


class _Spans:
    """Character spans answering "does any of them overlap [start, end)?" in O(log n).

    The filters below ask it once per hit; asking every span instead made a long text
    with many hits quadratic (a 400,000-character line took minutes).
    """

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self._starts = [s for s, _ in spans]
        self._reach: list[int] = []  # the furthest end among the first k+1 spans
        furthest = -1
        for _, e in spans:
            furthest = max(furthest, e)
            self._reach.append(furthest)

    def overlaps(self, start: int, end: int) -> bool:
        k = bisect_left(self._starts, end)  # spans starting before `end`
        return k > 0 and self._reach[k - 1] > start


_T = TypeVar("_T")
_K = TypeVar("_K", bound=Hashable)


class _ByPosition(Generic[_T]):
    """Items found by a position range in O(log n), handed back in their original order.

    The '&' joiners try combinations in the order the parts were found and keep the first
    best one; only parts near the anchor can join it, so they look those up instead of
    walking every part of a long text, without changing which combination wins.
    """

    def __init__(self, items: Sequence[_T], key: Callable[[_T], int]) -> None:
        self._items = items
        self._order = sorted(range(len(items)), key=lambda k: key(items[k]))
        self._keys = [key(items[k]) for k in self._order]

    def within(self, first: int, last: int) -> list[_T]:
        """The items whose key is in [first, last], in their original order."""
        a, b = bisect_left(self._keys, first), bisect_right(self._keys, last)
        return [self._items[k] for k in sorted(self._order[a:b])]


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
        self.joiners = frozenset(settings.clause_joiners)
        self.post = tuple(tuple(p.split()) for p in settings.post_negations)
        self.post_first = frozenset(p[0] for p in self.post)
        self.resolved = frozenset(
            self.norm.pattern_form(w) for w in settings.resolved if not w.startswith("=")
        )
        self.resolved_exact = frozenset(w[1:] for w in settings.resolved if w.startswith("="))
        self.by_form: dict[str, list[_WordPattern]] = {}
        # simple patterns whose first two words are normalised forms, keyed by both:
        # most multi-word phrases start with common words ("not", "too", "no"), so
        # keying on the pair keeps the candidates per token to the few that can match
        self.by_pair: dict[tuple[str, str], list[_WordPattern]] = {}
        self.by_exact: dict[str, list[_WordPattern]] = {}
        self.by_number: list[_WordPattern] = []  # patterns starting with '#' (any number)
        self.by_prefix: dict[str, list[_WordPattern]] = {}  # keyed by the whole prefix
        self.prefix_lengths: tuple[int, ...] = ()
        self.prefix_heads: frozenset[str] | None = None
        self.regexes: list[tuple[re.Pattern[str], _WordPattern]] = []
        self.conj_sizes: list[int] = []  # number of parts of each '&' phrase
        self._word_steps: dict[str, tuple[tuple[_Step, bool], ...]] = {}
        self._word_cands: dict[str, _Gated] = {}
        self.pair_index: dict[tuple[str, str], _Gated] = {}
        self.pair_firsts: frozenset[str] = frozenset()
        guards = [re.escape(normalize_chars(g)) for g in settings.guards]
        self.guard_re = (
            re.compile(r"(?<!\w)(?:" + "|".join(guards) + r")(?!\w)") if guards else None
        )
        for idx, rule in enumerate(rules):
            for phrase in rule.phrases:
                self._add(idx, rule, phrase, False, src)
            for phrase in rule.excepts:
                self._add(idx, rule, phrase, True, src)
        self.pair_index = {key: _gate(pats, exclude=key[1]) for key, pats in self.by_pair.items()}
        self.pair_firsts = frozenset(k[0] for k in self.pair_index)
        self.prefix_lengths = tuple(sorted({len(k) for k in self.by_prefix}))
        # first three letters of every prefix: one set lookup rules out most tokens
        # (prefixes shorter than three letters switch the shortcut off)
        self.prefix_heads = (
            frozenset(k[:3] for k in self.by_prefix)
            if all(len(k) >= 3 for k in self.by_prefix)
            else None
        )

    def _is_cue(self, word: str) -> bool:
        return word in self.cues or (self.lang == "en" and word.endswith("n't"))

    def _add(self, idx: int, rule: Rule, phrase: str, is_except: bool, src: str) -> None:
        if phrase.startswith("re:"):
            rx = re.compile(r"(?<!\w)(?:" + phrase[3:] + r")(?!\w)")
            pat = _WordPattern(idx, phrase, (), False, is_except)
            self.regexes.append((rx, pat))
            return
        parts = conj_parts(phrase)
        if len(parts) == 1:
            for plain in expand_phrase(phrase):
                self._add_plain(idx, rule, phrase, plain, is_except, src)
            return
        conj = len(self.conj_sizes)
        self.conj_sizes.append(len(parts))
        for k, part in enumerate(parts):
            for plain in expand_phrase(part):
                self._add_plain(idx, rule, phrase, plain, is_except, src, conj, k)

    def _add_plain(
        self,
        idx: int,
        rule: Rule,
        phrase: str,
        plain: str,
        is_except: bool,
        src: str,
        conj: int = -1,
        part: int = 0,
    ) -> None:
        steps: list[_Step] = []
        has_cue = False
        for w in normalize_chars(plain.lower()).split():
            if w == GAP:
                steps.append(("g", ""))
                continue
            word_steps = self._word_steps.get(w)
            if word_steps is None:
                word_steps = self._compile_word(w)
                self._word_steps[w] = word_steps
            if not word_steps:
                raise RulesError(
                    f"{src}: reason '{rule.reason}', rule '{rule.id}', pattern {phrase!r}: "
                    f"word {w!r} has no letters"
                )
            for step, cue in word_steps:
                has_cue = has_cue or cue
                steps.append(step)
        simple = all(k != "g" for k, _ in steps)
        need = frozenset(v for k, v in steps[1:] if k in ("f", "x"))
        pat = _WordPattern(idx, phrase, tuple(steps), has_cue, is_except, simple, conj, part, need)
        kind, value = steps[0]
        if kind == "f" and simple and len(steps) >= 2 and steps[1][0] == "f":
            self.by_pair.setdefault((value, steps[1][1]), []).append(pat)
        elif kind == "f":
            self.by_form.setdefault(value, []).append(pat)
        elif kind == "x":
            self.by_exact.setdefault(value, []).append(pat)
        elif kind == "d":
            self.by_number.append(pat)
        else:
            self.by_prefix.setdefault(value, []).append(pat)

    def _compile_word(self, w: str) -> tuple[tuple[_Step, bool], ...]:
        """Steps (and whether each is a negation cue) for one written word; cached per word,
        since alternation groups repeat the same words across thousands of expansions."""
        if w == NUMBER:
            return ((("d", ""), False),)
        parts = tokenize(w.lstrip("=").rstrip("*"), self.norm)
        out: list[tuple[_Step, bool]] = []
        for i, tok in enumerate(parts):
            last = i == len(parts) - 1
            step: _Step
            if w.startswith("="):
                step = ("x", tok.surface)
            elif w.endswith("*") and last:
                step = ("p", tok.surface)
            else:
                step = ("f", self.norm.pattern_form(tok.surface))
            out.append((step, self._is_cue(tok.surface)))
        return tuple(out)

    def _own_candidates(self, tok: Token) -> _Gated:
        """Patterns whose first step matches this word alone (form, exact word or prefix),
        cached per surface form since they depend on nothing else in the text.

        Returned as (always, gated): patterns that need later words are grouped under
        one of those words (the longest, as a cheap proxy for the rarest), so a text
        that lacks it skips the whole group with one set lookup.
        """
        cands: list[_WordPattern] = []
        for f in ordered_forms(tok):
            cands += self.by_form.get(f, ())
        cands += self.by_exact.get(tok.surface, ())
        if self.by_number and tok.surface.isdigit():
            cands += self.by_number
        if self.by_prefix and (self.prefix_heads is None or tok.surface[:3] in self.prefix_heads):
            surface = tok.surface
            for n in self.prefix_lengths:
                if n > len(surface):
                    break
                cands += self.by_prefix.get(surface[:n], ())
        out = _gate(cands)
        if len(self._word_cands) > 200_000:
            self._word_cands.clear()
        self._word_cands[tok.surface] = out
        return out

    @staticmethod
    def _step_ok(step: _Step, tok: Token) -> bool:
        kind, value = step
        if kind == "f":
            return value in tok.forms
        if kind == "x":
            return tok.surface == value
        if kind == "d":
            return tok.surface.isdigit()
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

    def _resolved_flags(
        self, toks: list[Token], cue: list[bool], low: str, present: set[str]
    ) -> list[bool]:
        """Tokens saying a problem was fixed ("sorted", "разобралась"), themselves not negated
        and not quoted (a ticket closed as "resolved" is a complaint)."""
        if self.resolved.isdisjoint(present) and self.resolved_exact.isdisjoint(present):
            return [False] * len(toks)
        flags = []
        for j, t in enumerate(toks):
            hit = not self.resolved.isdisjoint(t.forms) or t.surface in self.resolved_exact
            if hit and any(cue[k] for k in range(max(0, j - 2), j)):
                hit = False  # "never resolved" is a complaint
            if hit and t.start and low[t.start - 1] in _QUOTES:
                hit = False
            flags.append(hit)
        return flags

    def find(self, low: str) -> tuple[list[_RawHit], list[Token]]:
        """All hits (rule and except phrases) that are not negated or marked as resolved."""
        toks = tokenize(low, self.norm, self.breaks, self.joiners)
        present: set[str] = set()
        for t in toks:
            present.update(t.forms)
            present.add(t.surface)
        # negation and "resolved" flags are only needed once something matched
        cue: list[bool] = []
        fixed: list[bool] | None = None  # None: nothing in the text says "resolved"
        flags_ready = False
        part_hits: dict[int, list[_Part]] = {}
        hits: list[_RawHit] = []
        word_cands = self._word_cands
        pair_firsts = self.pair_firsts
        last = len(toks) - 1
        for i, tok in enumerate(toks):
            own = word_cands.get(tok.surface)
            if own is not None and not own[1] and (i == last or pair_firsts.isdisjoint(tok.forms)):
                cands = own[0]  # the common case of `_candidates`, without the call
            else:
                cands = self._candidates(toks, i, present)
            if not cands:
                continue
            if not flags_ready:
                cue = self._cue_flags(toks)
                resolved = self._resolved_flags(toks, cue, low, present)
                fixed = resolved if any(resolved) else None
                flags_ready = True
            self._word_hits(toks, i, cands, present, cue, fixed, hits, part_hits)
        if part_hits:
            hits.extend(self._join_parts(part_hits, toks))
        if self.regexes:
            hits.extend(self._regex_hits(low, toks, cue if flags_ready else self._cue_flags(toks)))
        if self.guard_re is not None:
            hits = _drop_guarded(hits, self.guard_re, low)
        return hits, toks

    def _candidates(self, toks: list[Token], i: int, present: set[str]) -> Sequence[_WordPattern]:
        """The word patterns that may start at token i: its own (those gated by a word
        elsewhere in the text only when that word is present), and those of the pair it
        forms with the next token."""
        tok = toks[i]
        own = self._word_cands.get(tok.surface)
        if own is None:
            own = self._own_candidates(tok)
        always, gated = own
        extra: list[_WordPattern] | None = None
        for key, group in gated:
            if key in present:
                if extra is None:
                    extra = list(always)
                extra += group
        # most words start no two-word pattern: one set test skips the pair lookups
        if i + 1 < len(toks) and not self.pair_firsts.isdisjoint(tok.forms):
            pair_get = self.pair_index.get
            pair_firsts = self.pair_firsts
            nxt_forms = ordered_forms(toks[i + 1])
            for f in ordered_forms(tok):
                if f not in pair_firsts:
                    continue
                for f2 in nxt_forms:
                    entry = pair_get((f, f2))
                    if entry:
                        if extra is None:
                            extra = list(always)
                        extra += entry[0]
                        for key, group in entry[1]:
                            if key in present:
                                extra += group
        return always if extra is None else extra

    def _word_hits(
        self,
        toks: list[Token],
        i: int,
        cands: Sequence[_WordPattern],
        present: set[str],
        cue: list[bool],
        fixed: list[bool] | None,
        hits: list[_RawHit],
        part_hits: dict[int, list[_Part]],
    ) -> None:
        """Match `cands` from token i: whole phrases go to `hits`, parts of '&' phrases to
        `part_hits` (joined later); negated ones and ones near a "resolved" are dropped."""
        tok = toks[i]
        ntoks = len(toks)
        step_ok = self._step_ok
        for pat in cands:
            if pat.need and not pat.need <= present:
                continue
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
            neg = -1
            if not pat.is_except:
                neg = self._negating_cue(toks, cue, i, gaps, pat.has_cue)
                # a cue inside another part of the same '&' phrase may still be fine
                # ("can't set up & recurring invoices"); decided when parts are joined
                if neg == -2 or (neg >= 0 and pat.conj < 0):
                    continue
            if (
                self.post
                and not pat.is_except
                and not pat.has_cue
                and self._post_negated(toks, end)
            ):
                continue
            if fixed is not None and not pat.is_except and _near(toks, fixed, i, end):
                continue
            if pat.conj >= 0:
                part_hits.setdefault(pat.conj, []).append(
                    (pat.part, i, end, tok.start, toks[end - 1].end, pat, neg)
                )
                continue
            hits.append(
                _RawHit(pat.rule_idx, pat.phrase, tok.start, toks[end - 1].end, pat.is_except)
            )

    def _regex_hits(self, low: str, toks: list[Token], cue: list[bool]) -> list[_RawHit]:
        """Hits of the rules' regular expressions, unless a cue before them negates them."""
        hits: list[_RawHit] = []
        starts: list[int] | None = None  # built on the first match: most texts have none
        for rx, pat in self.regexes:
            for m in rx.finditer(low):
                if starts is None:
                    starts = [t.start for t in toks]
                i = bisect_right(starts, m.start()) - 1
                if not pat.is_except and i >= 0 and self._negated(toks, cue, i, [], False):
                    continue
                hits.append(_RawHit(pat.rule_idx, pat.phrase, m.start(), m.end(), pat.is_except))
        return hits

    def _join_parts(
        self,
        part_hits: dict[int, list[_Part]],
        toks: list[Token],
    ) -> list[_RawHit]:
        """'&' phrases: every part found, in one clause, within CONJ_WINDOW words, any order."""
        out: list[_RawHit] = []
        for conj, found in part_hits.items():
            size = self.conj_sizes[conj]
            if len({f[0] for f in found}) < size:
                continue
            by_clause: dict[int, dict[int, list[_Part]]]
            by_clause = {}
            for f in found:
                by_clause.setdefault(toks[f[1]].clause, {}).setdefault(f[0], []).append(f)
            for parts in by_clause.values():
                if len(parts) < size:
                    continue
                nearby = [_ByPosition(parts[k], _first_token) for k in range(1, size)]
                seen: set[tuple[int, int]] = set()
                for anchor in parts[0]:
                    # a combination spans at most CONJ_WINDOW words, so every other part
                    # starts within that many words of the anchor
                    first, last = anchor[2] - CONJ_WINDOW, anchor[1] + CONJ_WINDOW
                    best = _best_combination([[anchor]] + [n.within(first, last) for n in nearby])
                    if best is None:
                        continue
                    span = (min(f[3] for f in best), max(f[4] for f in best))
                    if span in seen:
                        continue
                    seen.add(span)
                    pat = best[0][5]
                    out.append(_RawHit(pat.rule_idx, pat.phrase, span[0], span[1], pat.is_except))
        return out

    def _post_negated(self, toks: list[Token], end: int) -> bool:
        """A negation right after the match: "ошибок не было", "проблем нет"."""
        if end >= len(toks) or toks[end].surface not in self.post_first:
            return False
        clause = toks[end - 1].clause
        for p in self.post:
            seg = toks[end : end + len(p)]
            if len(seg) == len(p) and all(
                t.surface == w and t.clause == clause for t, w in zip(seg, p, strict=True)
            ):
                return True
        return False

    @classmethod
    def _negated(
        cls, toks: list[Token], cue: list[bool], i: int, gaps: list[int], has_cue: bool
    ) -> bool:
        return cls._negating_cue(toks, cue, i, gaps, has_cue) != -1

    @staticmethod
    def _negating_cue(
        toks: list[Token], cue: list[bool], i: int, gaps: list[int], has_cue: bool
    ) -> int:
        """-1: not negated; -2: a cue inside a gap of the match; else the cue's token index."""
        if any(cue[g] for g in gaps):
            return -2
        if has_cue:
            return -1  # the phrase is a complaint with its own negation ("doesn't work")
        clause = toks[i].clause
        for j in range(i - 1, max(-1, i - NEGATION_WINDOW - 1), -1):
            if toks[j].clause != clause:
                break
            if cue[j]:
                return j
        return -1


_Gated = tuple[tuple[_WordPattern, ...], tuple[tuple[str, tuple[_WordPattern, ...]], ...]]


def _gate(pats: Sequence[_WordPattern], exclude: str = "") -> _Gated:
    """Split candidate patterns into (always tried, grouped by one required word).

    Each pattern that needs further words is filed under the longest of them (a cheap
    stand-in for the rarest); a text lacking that word skips the group with one set
    lookup. ``exclude`` is a word already known to be present (the pair index key).
    """
    always: list[_WordPattern] = []
    gated: dict[str, list[_WordPattern]] = {}
    for pat in pats:
        need = pat.need - {exclude} if exclude else pat.need
        if need:
            gated.setdefault(max(sorted(need), key=len), []).append(pat)
        else:
            always.append(pat)
    return tuple(always), tuple((k, tuple(v)) for k, v in gated.items())


def _first_token(part: _Part) -> int:
    return part[1]


def _best_combination(
    options: list[list[_Part]],
) -> list[_Part] | None:
    """One hit per part, not overlapping, spanning the fewest words (<= CONJ_WINDOW)."""
    best: list[_Part] | None = None
    best_span = CONJ_WINDOW + 1
    for combo in itertools.product(*options):
        span = max(f[2] for f in combo) - min(f[1] for f in combo)
        if span >= best_span:
            continue
        ranges = sorted((f[1], f[2]) for f in combo)
        if any(b[0] < a[1] for a, b in itertools.pairwise(ranges)):
            continue
        # a negated part counts only if its cue is a word of another part of this match
        if any(
            f[6] >= 0 and not any(g is not f and g[1] <= f[6] < g[2] for g in combo) for f in combo
        ):
            continue
        best, best_span = list(combo), span
    return best


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
        entries: dict[str, list[tuple[int, str, tuple[str, ...], bool, bool, int, int]]] = {}
        regexes: list[tuple[re.Pattern[str], int, str, bool]] = []
        self.conj_sizes: list[int] = []
        for idx, rule in enumerate(rules):
            for phrase, is_exc in [(p, False) for p in rule.phrases] + [
                (p, True) for p in rule.excepts
            ]:
                if phrase.startswith("re:"):
                    regexes.append((re.compile(phrase[3:]), idx, phrase, is_exc))
                    continue
                parts = conj_parts(phrase)
                conj = -1
                if len(parts) > 1:
                    conj = len(self.conj_sizes)
                    self.conj_sizes.append(len(parts))
                for k, part in enumerate(parts):
                    for plain in expand_phrase(part):
                        pieces = tuple(x.strip().lower() for x in plain.split(GAP))
                        has_cue = any(c in piece for piece in pieces for c in self.cues)
                        entries.setdefault(pieces[0], []).append(
                            (idx, phrase, pieces, has_cue, is_exc, conj, k)
                        )
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
        """A fix cue (解决了, 处理好了) in the same clause, up to 14 characters away,
        not in quotes (a ticket marked “已解决” is a complaint)."""
        a = max(0, start - 14)
        before = _ZH_BREAK_RE.split(low[a:start])[-1]
        after = _ZH_BREAK_RE.split(low[end : end + 14])[0]
        for seg, base in ((before, start - len(before)), (after, end)):
            for r in self.resolved:
                k = seg.find(r)
                while k >= 0:
                    pos = base + k
                    if not (pos and low[pos - 1] in _QUOTES):
                        return True
                    k = seg.find(r, k + 1)
        return False

    def _pseudo_mask(self, low: str) -> bytearray:
        """1 at every character inside a pseudo-negation ("不仅"), 0 elsewhere.

        A mask, not a list of spans: each cue found asks about one position, and a long
        text with many pseudo-negations made a scan of the list per cue quadratic.
        """
        mask = bytearray(len(low))
        for p in self.pseudo:
            k = low.find(p)
            while k >= 0:
                mask[k : k + len(p)] = b"\x01" * len(p)
                k = low.find(p, k + 1)
        return mask

    def _has_cue(self, low: str, a: int, b: int, pseudo: bytearray) -> bool:
        """Is there a negation cue in low[a:b] that is not part of a pseudo-negation?"""
        seg = low[a:b]
        for c in self.cues:
            k = seg.find(c)
            while k >= 0:
                if not pseudo[a + k]:
                    return True
                k = seg.find(c, k + 1)
        return False

    def find(self, low: str) -> tuple[list[_RawHit], list[Token]]:
        hits: list[_RawHit] = []
        parts: dict[int, list[tuple[int, int, int, int, str, bool]]] = {}
        pseudo = self._pseudo_mask(low)
        if not self.empty:
            for end_idx, (key, vals) in self.auto.iter(low):
                start = end_idx - len(key) + 1
                for idx, phrase, pieces, has_cue, is_exc, conj, k_part in vals:
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
                    if conj >= 0:
                        parts.setdefault(conj, []).append((k_part, start, pos, idx, phrase, is_exc))
                        continue
                    hits.append(_RawHit(idx, phrase, start, pos, is_exc))
        if parts:
            hits.extend(self._join_parts(parts, low))
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

    def _join_parts(
        self, parts: dict[int, list[tuple[int, int, int, int, str, bool]]], low: str
    ) -> list[_RawHit]:
        """'&' phrases: every part in one clause, within ZH_CONJ_WINDOW characters, any order."""
        out: list[_RawHit] = []
        for conj, found in parts.items():
            size = self.conj_sizes[conj]
            options = [[f for f in found if f[0] == k] for k in range(size)]
            if any(not o for o in options):
                continue
            nearby = [_ByPosition(o, _zh_part_start) for o in options[1:]]
            seen: set[tuple[int, int]] = set()
            for anchor in options[0]:
                best = None
                # every part of a combination starts within ZH_CONJ_WINDOW of the anchor
                first, last = anchor[2] - ZH_CONJ_WINDOW, anchor[1] + ZH_CONJ_WINDOW
                near = [n.within(first, last) for n in nearby]
                for combo in itertools.product([anchor], *near):
                    a = min(f[1] for f in combo)
                    b = max(f[2] for f in combo)
                    if b - a > ZH_CONJ_WINDOW or _ZH_BREAK_RE.search(low, a, b):
                        continue
                    spans = sorted((f[1], f[2]) for f in combo)
                    if any(y[0] < x[1] for x, y in itertools.pairwise(spans)):
                        continue
                    if best is None or b - a < best[1] - best[0]:
                        best = (a, b, combo[0])
                if best is not None and (best[0], best[1]) not in seen:
                    seen.add((best[0], best[1]))
                    _, _, _, idx, phrase, is_exc = best[2]
                    out.append(_RawHit(idx, phrase, best[0], best[1], is_exc))
        return out


def _zh_part_start(part: tuple[int, int, int, int, str, bool]) -> int:
    return part[1]


def _drop_guarded(hits: list[_RawHit], guard_re: re.Pattern[str], low: str) -> list[_RawHit]:
    """Drop hits lying inside a guard word (贵 inside 贵公司 'your company').

    Guard matches never overlap (one regex scan), so only the last one starting at or
    before a hit can contain it: one binary search per hit, not a scan of every guard.
    """
    spans = [(m.start(), m.end()) for m in guard_re.finditer(low)]
    if not spans:
        return hits
    starts = [s for s, _ in spans]

    def inside(h: _RawHit) -> bool:
        k = bisect_right(starts, h.start) - 1
        return k >= 0 and h.end <= spans[k][1]

    return [h for h in hits if not inside(h)]


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
        self.has_weak = any(r.weak for r in self.rules)
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
        kept = [h for h in hits if not h.is_except]
        excepts = _spans_by((h for h in hits if h.is_except), lambda h: h.rule_idx)
        if excepts:
            # an except phrase vetoes its own rule where the two overlap
            kept = [
                h
                for h in kept
                if h.rule_idx not in excepts or not excepts[h.rule_idx].overlaps(h.start, h.end)
            ]
        if self.has_weak:
            reason_of = self.rules
            strong = _spans_by(
                (h for h in kept if not reason_of[h.rule_idx].weak),
                lambda h: reason_of[h.rule_idx].reason,
            )
            # a weak hit gives way to a normal hit of another reason overlapping it
            kept = [
                h
                for h in kept
                if not reason_of[h.rule_idx].weak
                or not any(
                    spans.overlaps(h.start, h.end)
                    for reason, spans in strong.items()
                    if reason != reason_of[h.rule_idx].reason
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


def _spans_by(hits: Iterable[_RawHit], key: Callable[[_RawHit], _K]) -> dict[_K, _Spans]:
    """The hits' spans grouped by ``key`` (rule, reason), each group indexed by position."""
    groups: dict[_K, list[tuple[int, int]]] = {}
    for h in hits:
        groups.setdefault(key(h), []).append((h.start, h.end))
    return {k: _Spans(v) for k, v in groups.items()}


def resolve_overlaps(matches: list[Match]) -> list[Match]:
    """Drop a match lying strictly inside a longer match (or a duplicate span of its reason).

    "slow response" (support) contains "slow" (bugs); the longer, more specific
    phrase explains the text, the shorter one would be a false second reason.

    One sweep in (start, longest first) order: a match is inside a longer one exactly
    when an earlier-starting match reaches as far as its end, or the first (longest)
    match at its own start ends further; a duplicate is a span already seen for its
    reason. Comparing every pair instead was quadratic in the number of matches.
    """
    ordered = sorted(matches, key=lambda m: (m.start, -m.end))
    if len(ordered) < 2:
        return ordered
    out: list[Match] = []
    reach = -1  # the furthest end of the matches starting before the current start
    group_start, group_end = -1, -1  # the current start and its longest match's end
    seen: set[tuple[int, int, str]] = set()
    for m in ordered:
        if m.start != group_start:
            reach = max(reach, group_end)
            group_start, group_end = m.start, m.end
        span = (m.start, m.end, m.reason)
        covered = reach >= m.end or group_end > m.end or span in seen
        seen.add(span)
        if not covered:
            out.append(m)
    return out
