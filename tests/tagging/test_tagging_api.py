"""The public surface: exports, result shape, caching, purity and load time."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

import insights.tagging as tagging
from insights.tagging import Tagger, TagResult

REPO = Path(__file__).resolve().parents[2]


def test_public_names() -> None:
    assert set(tagging.__all__) >= {
        "Tagger",
        "TagResult",
        "tag_lines",
        "REASON_KEYS",
        "reason_label",
        "load_rules",
        "RulesError",
    }
    for name in tagging.__all__:
        assert hasattr(tagging, name)
    assert tagging.REASON_KEYS == (
        "price",
        "support",
        "missing_features",
        "bugs",
        "usability",
        "competitor",
        "no_need",
        "billing",
        "neglect",
        "external",
    )


def test_result_is_frozen_and_json_shape_is_exact() -> None:
    result = Tagger.default().tag("Way too expensive", lang="en")
    assert isinstance(result, TagResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.label = "positive"  # type: ignore[misc]
    data = result.to_json()
    assert list(data) == ["text", "lang", "sentiment", "label", "reasons", "rules"]
    assert data["reasons"] == ["price"] and data["rules"] == ["price.en.too_expensive"]
    assert isinstance(data["sentiment"], float)
    assert data["label"] in ("negative", "neutral", "positive")


def test_default_is_cached() -> None:
    assert Tagger.default() is Tagger.default()


def test_non_string_text_is_rejected() -> None:
    with pytest.raises(TypeError):
        Tagger.default().tag(None)  # type: ignore[arg-type]


def test_import_stays_pure_and_loads_fast() -> None:
    code = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        "from insights.tagging import Tagger\n"
        "Tagger.default().tag('too expensive', lang='en')\n"
        "elapsed = time.perf_counter() - t\n"
        "banned = ('sqlalchemy', 'telegram', 'slack_sdk', 'slack_bolt', 'nltk', 'textblob',"
        " 'snownlp', 'storage', 'bot')\n"
        "bad = [m for m in banned if m in sys.modules]\n"
        "print(elapsed, bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split(maxsplit=1)
    assert out[1].strip() == "[]"  # no database, chat platform or NLTK import
    assert float(out[0]) < 3.0  # loads in well under a second on a free core


def test_default_tagger_built_once_under_concurrent_first_use():
    """Answer listeners run in worker threads; their first calls may race."""
    from concurrent.futures import ThreadPoolExecutor

    from insights.tagging import tagger as tagger_module

    tagger_module._default_tagger.cache_clear()
    tagger_module._build_default.cache_clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        built = list(pool.map(lambda _: Tagger.default(), range(8)))
    assert all(t is built[0] for t in built)
    assert built[0].tag("Way too expensive").reasons == ("price",)
