"""The batch path (`Tagger.tag_many`, `tag_lines(..., batch=N)`) gives what one text at a
time gives: the same reasons, rules, sentiment and errors, in the same order."""

from __future__ import annotations

import json

import numpy as np

from insights.tagging import Tagger, tag_lines

TEXTS = [
    "The app keeps crashing and support never answers",
    "Way too expensive for what it does, switching to a cheaper plan",
    "Great service, thank you!",
    "👍",
    "Слишком дорого, ухожу к конкурентам",
    "Дуже дорого — і все! ✨",
    "Ærlig talt alt for dyrt 💸",
    "价格太贵了，服务也很差",
    "Too expensive. Слишком дорого и медленно.",
    "",
    "x" * 12_000 + " too expensive",
]


def test_tag_many_equals_tag() -> None:
    tagger = Tagger.default()
    items = [(t, None, None, None) for t in TEXTS] + [
        ("Too slow", "en", 9, "nps"),
        ("Too slow", "en", 42, "nps"),  # fits no survey: its error in place
        ("дорого", "ru", None, None),
    ]
    batch = tagger.tag_many(items)
    for (text, lang, score, survey), got in zip(items, batch, strict=True):
        try:
            want = tagger.tag(text, lang=lang, score=score, survey=survey)
        except ValueError as exc:
            assert isinstance(got, ValueError) and str(got) == str(exc)
            continue
        assert not isinstance(got, ValueError)
        assert got.to_json(detail=True) == want.to_json(detail=True)


def test_predict_many_equals_predict() -> None:
    model = Tagger.default().model("en")
    assert model is not None
    texts = [t for t in TEXTS if t.isascii()]
    for text, pred in zip(texts, model.predict_many(texts), strict=True):
        one = model.predict(text)
        assert pred.reasons == one.reasons and pred.sentiment == one.sentiment
        assert np.array_equal(pred.cols, one.cols) and np.array_equal(pred.vals, one.vals)


def test_tag_lines_batches_like_single_lines() -> None:
    lines = [t + "\n" for t in TEXTS] + [
        json.dumps({"text": "Too slow", "score": 42, "survey": "nps"}) + "\n",
        "{bad json\n",
        json.dumps({"text": "cancel please", "lang": "en"}) + "\n",
    ]
    single = list(tag_lines(lines, Tagger.default()))
    for size in (2, 5, 256):
        assert list(tag_lines(lines, Tagger.default(), batch=size)) == single
