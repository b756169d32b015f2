"""The linear-time rewrites of the tagger give exactly the answers of the code they replaced.

Long texts with many hits took time growing with the square of their length (a
400,000-character line of complaints: 100 s): the overlap resolution compared every pair of
matches, the except/weak filters every hit with every other, the '&' joiners every part
of a clause with every other, the Chinese lexicon every hit with every chosen one, and
TextBlob's punctuation loop sliced long tokens one character at a time. Each rewrite is
checked here against the old algorithm (kept below as the reference) on generated
inputs; the timing itself is measured by benchmarks/tagging_long_lines.py, not here.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.tagging import Match, Tagger
from insights.tagging.matcher import _ByPosition, _Spans, resolve_overlaps
from insights.tagging.sentiment import longest_first
from insights.tagging.textblob_en import _AbbreviationPrefixes, _fast_parts, fast_tokens

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _pairwise_resolve(matches: list[Match]) -> list[Match]:
    """resolve_overlaps as it was: every match against every other."""
    ordered = sorted(matches, key=lambda m: (m.start, -m.end))
    if len(ordered) < 2:
        return ordered
    out = []
    for i, m in enumerate(ordered):
        covered = False
        for j, o in enumerate(ordered):
            if j == i or not (o.start <= m.start and m.end <= o.end):
                continue
            if (o.end - o.start) > (m.end - m.start) or (o.reason == m.reason and j < i):
                covered = True
                break
        if not covered:
            out.append(m)
    return out


_match = st.builds(
    lambda start, length, reason, rule: Match(
        reason, f"{reason}.en.r{rule}", "en", "p", start, start + length, "t"
    ),
    st.integers(0, 30),
    st.integers(0, 8),
    st.sampled_from(["price", "support", "bugs"]),
    st.integers(0, 2),
)


@PROPERTY
@given(st.lists(_match, max_size=25))
def test_resolve_overlaps_keeps_what_the_pairwise_version_kept(matches: list[Match]) -> None:
    assert resolve_overlaps(matches) == _pairwise_resolve(matches)


_span = st.tuples(st.integers(0, 40), st.integers(0, 6)).map(lambda t: (t[0], t[0] + t[1]))


@PROPERTY
@given(st.lists(_span, max_size=20), _span)
def test_span_index_answers_like_a_scan(spans: list[tuple[int, int]], q: tuple[int, int]) -> None:
    expected = any(s < q[1] and q[0] < e for s, e in spans)
    assert _Spans(spans).overlaps(*q) is expected


@PROPERTY
@given(st.lists(st.integers(0, 30), max_size=20), st.integers(-5, 35), st.integers(-5, 35))
def test_by_position_hands_back_items_in_their_order(keys: list[int], lo: int, hi: int) -> None:
    items = list(enumerate(keys))  # (original index, key)
    found = _ByPosition(items, lambda item: item[1]).within(lo, hi)
    assert found == [item for item in items if lo <= item[1] <= hi]


_ABBR_RES = _fast_parts()[5]


@PROPERTY
@given(st.text(alphabet="aBzMrUSx.|!,1é", min_size=1, max_size=14))
def test_abbreviation_prefixes_answer_like_textblobs_regexes(token: str) -> None:
    prefixes = _AbbreviationPrefixes(token, _ABBR_RES)
    assert prefixes.known  # the installed TextBlob still has the patterns the fast path knows
    for end in range(1, len(token) + 1):
        expected = any(rx.match(token[:end]) is not None for rx in _ABBR_RES)
        assert prefixes.match(end) is expected, (token, end)


_TOKENISER_TEXT = st.lists(
    st.sampled_from(
        [*"aAbUSMrcz|.!?,;:()[]'\"-…$@#*&", " ", "...", "e.g.", "U.S.", "Mr.", "n't", ":)"]
    ),
    max_size=30,
).map("".join)


@PROPERTY
@given(_TOKENISER_TEXT)
def test_fast_tokens_still_equal_textblobs_tokeniser(text: str) -> None:
    find_tokens = _fast_parts()[-1]
    assert fast_tokens(text) == " ".join(find_tokens(text)).split()


@pytest.mark.parametrize(
    "text",
    [
        "wow" + "!" * 300,
        "(" * 300 + "wow",
        "great " + "a." * 150 + "|." * 150,
        "Mr" + "c" * 200 + ".!" * 100,
        "so" + "." * 301 + " good",
    ],
)
def test_fast_tokens_on_long_punctuation_runs(text: str) -> None:
    find_tokens = _fast_parts()[-1]
    assert fast_tokens(text) == " ".join(find_tokens(text)).split()


def _greedy_longest_first(hits: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """The Chinese lexicon's choice as it was: each hit checked against every chosen hit."""
    hits = sorted(hits, key=lambda h: (h[0], -(h[1] - h[0])))
    chosen: list[tuple[int, int, float]] = []
    for h in sorted(hits, key=lambda h: -(h[1] - h[0])):
        if all(h[1] <= c[0] or h[0] >= c[1] for c in chosen):
            chosen.append(h)
    return chosen


_zh_hit = st.tuples(st.integers(0, 30), st.integers(1, 4), st.sampled_from([-1.0, 0.5, 2.0])).map(
    lambda t: (t[0], t[0] + t[1], t[2])
)


@PROPERTY
@given(st.lists(_zh_hit, max_size=25))
def test_chinese_lexicon_chooses_the_same_hits(hits: list[tuple[int, int, float]]) -> None:
    assert longest_first(hits, 40) == _greedy_longest_first(hits)


def test_chinese_valence_of_a_long_text_is_its_parts_summed() -> None:
    """The choice feeds the valence: a repeated sentence scores as often as it repeats."""
    lexicon = Tagger.default()._zh
    once = lexicon.valence("服务很好。")
    assert once > 0
    assert lexicon.valence("服务很好。" * 2000) == pytest.approx(once * 2000)


def test_shipped_rule_regexes_have_no_unbounded_number_runs() -> None:
    """`\\d[\\d,.]*` let a run like "1.1.1.…" restart the scan at every digit; the runs
    are bounded now, and a new rule should not bring one back."""
    rules = Tagger.default().rules.rules
    patterns = [p[3:] for r in rules for p in (*r.phrases, *r.excepts) if p.startswith("re:")]
    assert patterns
    for pattern in patterns:
        assert not re.search(r"\\d\[[^\]]*\][*+]", pattern), pattern
        assert "\\S+\\s+" not in pattern, pattern
