"""The learned layer: shipped models load and predict as trained, the featurizer equals
scikit-learn's, thresholds are applied, explanations point into the text, praise gets no
reason, repetition does not drift, mixed-language texts are tagged per sentence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_tagging_new_wordings import NEW_WORDINGS  # the same folder (pytest puts it on the path)

from insights.tagging import Tagger
from insights.tagging.model import FORMAT, TextModel, arrays, load_shipped, shipped_path
from insights.tagging.sentiment import LONG_TEXT_CLAUSES

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "data" / "model_golden.json"
LANGS = ("en", "ru", "uk", "zh", "da")


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.default()


def test_every_language_ships_a_model_that_loads_without_pickle() -> None:
    for lang in LANGS:
        path = shipped_path(lang)
        assert path.exists(), path
        with np.load(path, allow_pickle=False) as z:
            assert set(z.files) == {"meta", "idf", "coef", "intercept"}
        model = load_shipped(lang)
        assert model is not None and model.lang == lang
        assert model.version.endswith(lang)
    total = sum(shipped_path(lang).stat().st_size for lang in LANGS)
    assert total < 5_000_000


def test_fixed_predictions_per_language_match_the_golden_file() -> None:
    """tests/tagging/data/model_golden.json is written by benchmarks/train_tagger.py."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert set(golden) == set(LANGS)
    for lang, entry in golden.items():
        model = load_shipped(lang)
        assert model is not None
        assert model.version == entry["version"]
        for row in entry["predictions"]:
            p = model.predict(row["text"])
            for k, v in row["reasons"].items():
                assert p.reasons[k] == pytest.approx(v, abs=1e-4), (lang, row["text"], k)
            for k, v in row["sentiment"].items():
                assert p.sentiment[k] == pytest.approx(v, abs=1e-4), (lang, row["text"], k)


SAMPLES = [
    "Support never answers!!  Too expensive...",
    "Don't   go\nthere\tever, the app crashed 3 times",
    "Поддержка не отвечает, списали деньги дважды",
    "Менеджер не передзвонив; ціни завищені — жах",
    "前台服务态度很差，房间  很脏 wifi不好",
    "Rigtig dårlig kundeservice, og alt for dyrt",
    "ok",
    "",
    "a",
    "İstanbul ǅ ß ﬁ",
]


@pytest.mark.parametrize("lang", LANGS)
def test_featurizer_equals_sklearn_tfidf(lang: str) -> None:
    sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
    model = load_shipped(lang)
    assert model is not None
    blocks = []
    for block in model.featurizer.blocks:
        vec = sklearn_text.TfidfVectorizer(
            analyzer=block.analyzer,
            ngram_range=(block.ngram_min, block.ngram_max),
            sublinear_tf=block.sublinear_tf,
            vocabulary=dict(block.vocabulary),
            dtype=np.float64,
        )
        vec.fit(SAMPLES)
        vec.idf_ = np.asarray(
            model.featurizer.idf[block.offset : block.offset + len(block.vocabulary)]
        )
        blocks.append(vec)
    for text in SAMPLES:
        expected = np.concatenate([v.transform([text]).toarray()[0] for v in blocks])
        got = np.zeros(model.featurizer.n_features)
        cols, vals = model.featurizer.transform(text)
        got[cols] = vals
        assert np.allclose(got, expected, atol=1e-12, rtol=0), text


def _tiny_model(
    threshold: float = 0.5, weight: float = 0.01, reason: str = "billing", **more: object
) -> TextModel:
    """One word feature per reason output: 'xa' pushes the reason just over, 'xb' under."""
    meta = {
        "format": FORMAT,
        "version": "test-en",
        "lang": "en",
        "blocks": [
            {
                "analyzer": "word",
                "ngram_range": [1, 1],
                "sublinear_tf": True,
                "vocabulary": ["xa", "xb"],
            }
        ],
        "outputs": [reason],
        "reasons": [reason],
        "sentiment": False,
        "thresholds": {reason: threshold},
        **more,
    }
    coef = np.array([[weight], [-weight]])
    arr = arrays(meta, np.array([1.0, 1.0]), coef, np.array([0.0]))
    return TextModel(
        json.loads(bytes(arr["meta"]).decode()), arr["idf"], arr["coef"], arr["intercept"]
    )


def test_reason_threshold_applied_just_under_and_over() -> None:
    tagger = Tagger(models={"en": _tiny_model()})
    over = tagger.tag("we said xa twice", lang="en")
    under = tagger.tag("we said xb twice", lang="en")
    assert over.reasons == ("billing",)
    assert over.tags[0].source == "model" and over.rules == ("model.en.billing",)
    assert 0.5 < over.tags[0].confidence < 0.51
    assert under.reasons == ()
    stricter = Tagger(models={"en": _tiny_model(threshold=0.51)})
    assert stricter.tag("we said xa twice", lang="en").reasons == ()


def test_model_explanation_spans_point_into_the_text(tagger: Tagger) -> None:
    texts = [
        ("The engineer never turned up and nobody called me back about the broken router", "en"),
        ("Третий день нет интернета, оператор не может ничего объяснить", "ru"),
        ("Замовлення скасували, гроші не повернули, менеджер не відповідає", "uk"),
        ("房间很旧，空调坏了，前台态度很差", "zh"),
    ]
    seen_model_tag = False
    for text, lang in texts:
        r = tagger.tag(text, lang=lang)
        for t in r.tags:
            assert 0.0 <= t.confidence <= 1.0
            if t.source == "rule":
                assert t.match is not None and text[t.match.start : t.match.end] == t.match.text
                continue
            seen_model_tag = True
            assert t.rule == f"model.{lang}.{t.reason}"
            assert 1 <= len(t.evidence) <= 3 and t.why()
            for e in t.evidence:
                assert e.weight > 0
                if e.start is not None:
                    assert 0 <= e.start < e.end <= len(text)
                    core = "".join(c for c in e.feature if c.isalnum())
                    span = text[e.start : e.end].lower()
                    assert core in span.replace(" ", "") or span in e.feature, (e, span)
    assert seen_model_tag


PRAISE = [
    ("Great service, the staff were friendly and everything was set up on the same day.", "en"),
    ("Very happy with the broadband, fast and reliable. Thank you!", "en"),
    ("Always easy to deal with, I would recommend you to anyone.", "en"),
    ("Спасибо большое, оператор быстро помог, всё работает отлично!", "ru"),
    ("Пользуюсь банком пять лет, всем доволен, приложение удобное.", "ru"),
    ("Все чудово, доставка швидка, менеджер ввічливий, рекомендую!", "uk"),
    ("Замовляю тут не вперше, товар якісний, дякую магазину.", "uk"),
    ("酒店位置很好，服务很周到，房间干净，下次还会入住。", "zh"),
    ("早餐丰富，前台热情，性价比很高。", "zh"),
    ("Super god service, tak for hjælpen!", "da"),
    ("Jeg er meget tilfreds, alt virker som det skal.", "da"),
]


@pytest.mark.parametrize(("text", "lang"), PRAISE)
def test_praise_gets_no_reason(tagger: Tagger, text: str, lang: str) -> None:
    r = tagger.tag(text, lang=lang)
    assert r.reasons == (), (r.reasons, [t.why() for t in r.tags])
    assert r.label == "positive"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The app crashes every time I open it, support never replied. ", "en"),
        ("Nice people, but the internet drops every evening. ", "en"),
        ("Интернет постоянно пропадает, поддержка молчит. ", "ru"),
        ("Товар прийшов зламаний, гроші не повернули. ", "uk"),
        ("房间有异味，空调坏了。", "zh"),
    ],
)
def test_long_texts_do_not_drift_positive_by_repetition(
    tagger: Tagger, text: str, lang: str
) -> None:
    once = tagger.tag(text, lang=lang)
    many = tagger.tag(text * 30, lang=lang)
    assert many.sentiment <= once.sentiment + 0.15
    assert many.label == once.label or many.label == "negative"
    assert set(once.reasons) <= set(many.reasons)


def test_mixed_language_text_is_tagged_per_sentence(tagger: Tagger) -> None:
    text = "The price is way too high. Поддержка не отвечает третий день. 空调坏了。"
    r = tagger.tag(text)
    assert {"price", "support", "bugs"} <= set(r.reasons)
    langs = {t.match.lang for t in r.tags if t.match is not None}
    assert {"en", "ru"} <= langs
    for t in r.tags:
        if t.match is not None:
            assert text[t.match.start : t.match.end] == t.match.text


def test_to_json_keeps_six_keys_and_detail_adds_tags(tagger: Tagger) -> None:
    r = tagger.tag("Support never answers and the app keeps crashing", lang="en")
    assert set(r.to_json()) == {"text", "lang", "sentiment", "label", "reasons", "rules"}
    d = r.to_json(detail=True)
    assert [t["reason"] for t in d["tags"]] == list(r.reasons)
    for t in d["tags"]:
        assert t["source"] in ("rule", "model") and 0 <= t["confidence"] <= 1 and t["why"]
    json.dumps(d, ensure_ascii=False)


def test_a_rule_hit_needs_the_agreement_its_reason_was_given() -> None:
    """`rule_agreement`: in a long text, a reason's rule hit counts only where the model
    finds the reason at least that likely; short texts and reasons without one keep every
    rule hit."""
    long = "We moved. We read. We like tea. We have a cat. We cook. We walk. Way too expensive"
    short = "Nice people, but way too expensive"

    def tagged(text: str, extra: str, **more: object) -> tuple[str, ...]:
        model = _tiny_model(threshold=0.99, reason="price", **more)
        return Tagger(models={"en": model}).tag(f"{text} {extra}", lang="en").reasons

    assert Tagger(use_model=False).clause_count(long, "en") > LONG_TEXT_CLAUSES
    assert tagged(long, "xb") == ("price",)  # no agreement asked: the rule counts
    assert tagged(long, "xb", rule_agreement={"price": 0.5}) == ()  # P just under 0.5
    assert tagged(long, "xa", rule_agreement={"price": 0.5}) == ("price",)  # P just over
    assert tagged(long, "xa", rule_agreement={"price": 0.6}) == ()
    assert tagged(long, "xb", rule_agreement={"billing": 0.9}) == ("price",)  # another's
    assert tagged(short, "xb", rule_agreement={"price": 0.6}) == ("price",)  # short: kept


@pytest.mark.parametrize(("lang", "text", "reason"), NEW_WORDINGS)
def test_model_only_adds_to_the_rules(tagger: Tagger, lang: str, text: str, reason: str) -> None:
    """A rule hit stays an override: with the model on, the rules' reasons (and rule ids)
    are still there, first, but for a reason whose rules need the model's agreement and did
    not get it; the model may add its own after them."""
    plain = tagger.without_model().tag(text, lang=lang)
    full = tagger.tag(text, lang=lang)
    model = tagger.model(full.lang)
    agreement = model.meta.get("rule_agreement", {}) if model is not None else {}
    kept = [r for r in plain.reasons if r in full.reasons]
    for r in plain.reasons:
        if r not in kept:
            assert tagger.clause_count(text, lang) > LONG_TEXT_CLAUSES
            assert model is not None and r in agreement
            assert model.predict(text).reasons[r] < agreement[r]
    assert full.reasons[: len(kept)] == tuple(kept)
    assert all(t.source == "rule" for t in full.tags[: len(kept)])
    assert all(t.source == "model" for t in full.tags[len(kept) :])


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Terrible service, the internet drops every evening and nobody calls back.", "en"),
        ("Ужасный сервис, интернет пропадает каждый вечер.", "ru"),
        pytest.param(
            "Жахливий сервіс, постійно все ламається.",
            "uk",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known miss of models 2026.12.7 (and before 2026.12.4): the Ukrainian "
                "sentiment model learned from long store reviews only and reads this short "
                "complaint P(negative) 0.42 / P(positive) 0.53 (2026.12.6: 0.51 / 0.44); "
                "docs/tagging.md, 'Round 5 and models 2026.12.7'",
            ),
        ),
        ("房间很脏，空调坏了，前台态度很差。", "zh"),
        ("Elendig service, internettet falder ud hver aften.", "da"),
    ],
)
def test_plain_complaints_are_negative(tagger: Tagger, text: str, lang: str) -> None:
    assert tagger.tag(text, lang=lang).label == "negative"


def test_rules_only_tagger_ignores_models() -> None:
    plain = Tagger(use_model=False)
    r = plain.tag("The engineer never turned up", lang="en")
    assert all(t.source == "rule" for t in r.tags)


def test_loading_and_tagging_never_imports_sklearn() -> None:
    code = (
        "import sys\n"
        "from insights.tagging import Tagger\n"
        "t = Tagger.default()\n"
        "for x, l in (('too expensive', 'en'), ('дорого', 'ru'), ('太贵', 'zh'),"
        " ('дуже дорого', 'uk'), ('alt for dyrt', 'da')):\n"
        "    t.tag(x, lang=l)\n"
        "assert all(t.model(l) is not None for l in ('en', 'ru', 'uk', 'zh', 'da'))\n"
        "print([m for m in ('sklearn', 'scipy', 'textblob', 'nltk') if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_tagging_time_is_linear_in_text_length(tagger: Tagger) -> None:
    """A 40,000-character text costs per character about what a 4,000-character one does
    (resolve_overlaps was quadratic in the number of matches; per-sentence scoring is
    linear too). Generous bound: the machine is shared."""
    import time

    base = "The engineer never came, the router keeps dropping and I was charged twice. "
    tagger.tag(base, lang="en")

    def per_char(k: int) -> float:
        text = base * k
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            tagger.tag(text, lang="en")
            best = min(best, time.process_time() - t0)
        return best / len(text)

    small, large = per_char(50), per_char(500)
    assert large < 4 * small, (small, large)
