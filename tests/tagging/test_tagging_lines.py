"""The tag_lines contract the CLI wraps: one object per line, in order, lazily, errors per line."""

from __future__ import annotations

import json
from collections.abc import Iterator

from insights.tagging import Tagger, tag_lines

KEYS = {"text", "lang", "sentiment", "label", "reasons", "rules"}


def test_plain_and_json_lines_in_order() -> None:
    lines = [
        "Way too expensive",
        json.dumps({"text": "Поддержка не отвечает", "lang": "ru"}),
        json.dumps({"text": "It's fine", "lang": "en", "score": 2, "survey": "nps"}),
        json.dumps({"text": "客服态度很差"}, ensure_ascii=False),
    ]
    out = list(tag_lines(lines, Tagger.default()))
    assert len(out) == 4
    assert all(set(o) == KEYS for o in out)
    assert [o["text"] for o in out] == [
        "Way too expensive",
        "Поддержка не отвечает",
        "It's fine",
        "客服态度很差",
    ]
    assert out[0]["reasons"] == ["price"] and out[0]["rules"] == ["price.en.too_expensive"]
    assert out[1]["lang"] == "ru" and out[1]["reasons"] == ["support"]
    assert out[2]["label"] != "positive"  # detractor score taken into account
    assert out[3]["lang"] == "zh" and out[3]["reasons"] == ["support"]
    json.dumps(out, ensure_ascii=False)  # everything is JSON-serialisable


def test_bad_lines_give_errors_and_the_run_continues() -> None:
    lines = [
        "",
        "   ",
        "{not json",
        json.dumps({"lang": "en"}),
        json.dumps({"text": 42}),
        json.dumps({"text": "ok", "score": "ten"}),
        json.dumps({"text": "ok", "score": 11, "survey": "nps"}),
        json.dumps({"text": "ok", "lang": 5}),
        "still works: too expensive",
    ]
    out = list(tag_lines(lines, Tagger.default()))
    assert len(out) == len(lines)
    for n, o in enumerate(out[:-1], start=1):
        assert set(o) == {"error", "line"}, o
        assert o["line"] == n
        assert isinstance(o["error"], str) and o["error"]
    assert out[-1]["reasons"] == ["price"]


def test_lazy_streaming() -> None:
    consumed: list[int] = []

    def source() -> Iterator[str]:
        for i in range(1000):
            consumed.append(i)
            yield f"line {i} too expensive"

    it = tag_lines(source(), Tagger.default())
    first = next(it)
    assert first["text"] == "line 0 too expensive"
    assert len(consumed) == 1  # nothing read ahead


def test_unicode_and_trailing_newlines() -> None:
    lines = ["Ærlig talt alt for dyrt 💸\n", "Дуже дорого — і все! ✨\r\n", "Zoë says: ok 👍\n"]
    out = list(tag_lines(lines, Tagger.default()))
    assert [o["text"] for o in out] == [
        "Ærlig talt alt for dyrt 💸",
        "Дуже дорого — і все! ✨",
        "Zoë says: ok 👍",
    ]
    assert out[0]["lang"] == "da" and out[0]["reasons"] == ["price"]
    assert out[1]["lang"] == "uk" and out[1]["reasons"] == ["price"]


def test_very_long_line_is_tagged_on_its_first_ten_thousand_characters() -> None:
    text = "Support never replied. " + "The service is okay. " * 6000
    assert len(text) > 100_000
    (out,) = list(tag_lines([json.dumps({"text": text, "lang": "en"})], Tagger.default()))
    assert out["text"] == text[:10_000]
    assert out["truncated"] is True  # the one key added, and only to a cut text
    assert set(out) == KEYS | {"truncated"}
    assert out["reasons"] == ["support"]


def test_default_tagger_is_used_when_none_given() -> None:
    (out,) = list(tag_lines(["too expensive"]))
    assert out["reasons"] == ["price"]
