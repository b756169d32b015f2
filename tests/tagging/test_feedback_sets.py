"""Format checks for the hand-written feedback sets we tune on (dev.jsonl, dev2.jsonl).

holdout.jsonl is deliberately not read here: it is only summarised by the evaluation.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from insights.tagging import LANGUAGES, REASON_KEYS

FEEDBACK = Path(__file__).resolve().parents[1] / "data" / "feedback"
KEYS = ["id", "lang", "survey", "score", "text", "reasons", "sentiment"]
ID_RE = {
    "dev.jsonl": re.compile(r"^(en|ru|uk|da|zh)-0\d\d$"),
    "dev2.jsonl": re.compile(r"^(en|ru|uk|da|zh)-2\d\d$"),
}


def _rows(name: str) -> list[dict[str, object]]:
    raw = (FEEDBACK / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    return [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["dev.jsonl", "dev2.jsonl"])
def test_feedback_file_format(name: str) -> None:
    rows = _rows(name)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for r in rows:
        assert list(r) == KEYS, r
        rid, lang = str(r["id"]), r["lang"]
        assert ID_RE[name].match(rid) and rid.startswith(f"{lang}-"), rid
        assert lang in LANGUAGES
        assert isinstance(r["text"], str) and r["text"].strip(), rid
        reasons = r["reasons"]
        assert isinstance(reasons, list)
        assert reasons == sorted(set(reasons)), rid
        assert set(reasons) <= set(REASON_KEYS), rid
        assert r["sentiment"] in ("negative", "neutral", "positive"), rid
        survey, score = r["survey"], r["score"]
        if survey == "exit":
            assert score is None, rid
        elif survey == "nps":
            assert isinstance(score, int) and 0 <= score <= 10, rid
        else:
            assert survey == "csat" and isinstance(score, int) and 1 <= score <= 5, rid


def test_dev2_balance() -> None:
    """dev2: >= 100 texts per language, every reason >= 8 times, ~20 % none, ~25 % multi."""
    rows = _rows("dev2.jsonl")
    ids = {str(r["id"]) for r in rows}
    assert not ids & {str(r["id"]) for r in _rows("dev.jsonl")}
    for lang in LANGUAGES:
        sub = [r for r in rows if r["lang"] == lang]
        assert len(sub) >= 100, lang
        counts = Counter(k for r in sub for k in r["reasons"])  # type: ignore[attr-defined]
        assert all(counts[k] >= 8 for k in REASON_KEYS), (lang, counts)
        none = sum(1 for r in sub if not r["reasons"]) / len(sub)
        multi = sum(1 for r in sub if len(r["reasons"]) >= 2) / len(sub)  # type: ignore[arg-type]
        assert 0.15 <= none <= 0.25, (lang, none)
        assert 0.2 <= multi <= 0.3, (lang, multi)
