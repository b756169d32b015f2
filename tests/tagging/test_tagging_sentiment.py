"""Sentiment: TextBlob base, corrections from rules, negation, languages, survey scores."""

from __future__ import annotations

import pytest

from insights.tagging import Tagger
from insights.tagging.sentiment import SurveyScore, parse_survey
from insights.tagging.textblob_en import textblob_polarity


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    # The rules (and the rule-based sentiment) alone: these tests pin the rule engine. The
    # learned layer on top is tested in test_tagging_model.py (it only adds reasons).
    return Tagger.default().without_model()


def test_textblob_base_is_textblobs_own_polarity() -> None:
    from textblob import TextBlob

    for text in [
        "The price is way too high for what we get",
        "We moved to a competitor that has better integrations",
        "Not bad at all, really good support :)",
        "Terribly slow... e.g. the export. Never again!",
    ]:
        assert textblob_polarity(text) == pytest.approx(TextBlob(text).sentiment.polarity)


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("The price is way too high for what we get", {"negative"}),
        # a factual switch is neutral by the labelling convention; it must not read as praise
        ("We moved to a competitor that has better integrations", {"neutral", "negative"}),
    ],
)
def test_textblob_mistakes_are_corrected(tagger: Tagger, text: str, labels: set[str]) -> None:
    assert textblob_polarity(text) > 0  # plain TextBlob calls these positive
    result = tagger.tag(text, lang="en")
    assert result.reasons
    assert result.sentiment < 0
    assert result.label in labels


@pytest.mark.parametrize(
    ("lang", "text", "label"),
    [
        ("en", "Absolutely love it, the team is fantastic.", "positive"),
        ("en", "Terrible experience, nothing works and nobody helps.", "negative"),
        ("ru", "Отличный сервис, очень доволен, спасибо!", "positive"),
        ("ru", "Ужасный сервис, постоянно всё ломается.", "negative"),
        ("uk", "Чудовий сервіс, дуже задоволена, дякую!", "positive"),
        ("uk", "Жахливий сервіс, постійно все ламається.", "negative"),
        ("da", "Fantastisk service, meget tilfreds, tak!", "positive"),
        ("da", "Elendig service, det hele virker ikke.", "negative"),
        ("zh", "非常满意，服务很好，推荐！", "positive"),
        ("zh", "太差了，非常失望。", "negative"),
    ],
)
def test_labels_per_language(tagger: Tagger, lang: str, text: str, label: str) -> None:
    result = tagger.tag(text, lang=lang)
    assert result.label == label, result
    assert -1.0 <= result.sentiment <= 1.0


@pytest.mark.parametrize(
    ("lang", "plain", "negated"),
    [
        ("en", "The support is good.", "The support is not good."),
        ("ru", "Поддержка хорошая.", "Поддержка не хорошая."),
        ("uk", "Підтримка добра.", "Підтримка не добра."),
        ("da", "Supporten er god.", "Supporten er ikke god."),
        ("zh", "服务很好。", "服务不好。"),
    ],
)
def test_negation_lowers_polarity(tagger: Tagger, lang: str, plain: str, negated: str) -> None:
    assert tagger.tag(negated, lang=lang).sentiment < tagger.tag(plain, lang=lang).sentiment


@pytest.mark.parametrize(
    ("lang", "plain", "stronger"),
    [
        ("ru", "Хороший сервис.", "Очень хороший сервис."),
        ("uk", "Добрий сервіс.", "Дуже добрий сервіс."),
        ("da", "God service.", "Meget god service."),
        ("zh", "满意。", "非常满意。"),
    ],
)
def test_intensifier_raises_polarity(tagger: Tagger, lang: str, plain: str, stronger: str) -> None:
    assert tagger.tag(stronger, lang=lang).sentiment > tagger.tag(plain, lang=lang).sentiment


def test_detractor_fine_is_not_positive(tagger: Tagger) -> None:
    text = "It's fine, works well."
    assert tagger.tag(text, lang="en").label == "positive"
    with_score = tagger.tag(text, lang="en", score=3, survey="nps")
    assert with_score.label != "positive"
    assert with_score.sentiment < tagger.tag(text, lang="en").sentiment


def test_promoter_score_lifts_a_neutral_text(tagger: Tagger) -> None:
    text = "I use it on my phone."
    plain = tagger.tag(text, lang="en")
    assert tagger.tag(text, lang="en", score=10, survey="nps").sentiment > plain.sentiment
    assert tagger.tag(text, lang="en", score=5, survey="csat").label == "positive"
    assert tagger.tag(text, lang="en", score=1, survey="csat").label == "negative"


def test_survey_parsing() -> None:
    assert parse_survey(None, None) is None
    assert parse_survey(9, "nps") == SurveyScore("nps", 9)
    assert parse_survey(4, "CSAT") == SurveyScore("csat", 4)
    assert parse_survey(0, None) == SurveyScore("nps", 0)  # only NPS has a 0
    assert parse_survey(8, None) == SurveyScore("nps", 8)  # only NPS goes above 5
    assert parse_survey(4, None) is None  # 1..5 without a survey: ambiguous, ignored
    assert parse_survey(3, "exit") is None
    for score, survey in [(11, "nps"), (0, "csat"), (6, "csat"), (-1, None), (12, None)]:
        with pytest.raises(ValueError):
            parse_survey(score, survey)
    with pytest.raises(ValueError, match="survey"):
        parse_survey(5, "ces")
    with pytest.raises(ValueError, match="integer"):
        parse_survey(7.5, "nps")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="integer"):
        parse_survey(True, "nps")


def test_score_label_bands() -> None:
    assert SurveyScore("nps", 6).band == "negative"
    assert SurveyScore("nps", 7).band == "neutral"
    assert SurveyScore("nps", 9).band == "positive"
    assert SurveyScore("csat", 2).band == "negative"
    assert SurveyScore("csat", 3).band == "neutral"
    assert SurveyScore("csat", 4).band == "positive"


TRICKY = [
    "Great :) really",
    "bad : ( really",
    "so > . > odd",
    "Mr. Smith said e.g. U.S. prices ... wow!!",
    "(!) sure, great",
    "( ! ) sure",
    "good\n\nbad",
    "It's not good, isn't it? I'm sure it wasn't BAD!!!",
    "\"quoted\" 'single' “curly” ‘x’ terrible",
    "very very good :-D <3",
    "not really good at all",
    "",
    "!!!",
]


@pytest.mark.parametrize("text", TRICKY)
def test_fast_textblob_path_is_identical(text: str) -> None:
    from textblob import TextBlob

    from insights.tagging.textblob_en import (
        _fast_parts,
        fast_tokens,
        textblob_polarity_reference,
    )

    find_tokens = _fast_parts()[-1]
    assert fast_tokens(text) == " ".join(find_tokens(text)).split()
    assert textblob_polarity(text) == textblob_polarity_reference(text)
    assert textblob_polarity(text) == TextBlob(text).sentiment.polarity


def test_learned_lexicon_fast_score_equals_feature_score(tagger: Tagger) -> None:
    from insights.tagging.normalize import normalize_chars, safe_lower, tokenize
    from insights.tagging.sentiment import en_feature_keys

    matcher = tagger._matchers["en"]._impl
    neg = tagger._lexicons["en"].is_negation
    for text in [
        "Not worth the money, support never answers and the app doesn't work.",
        "Really happy, no complaints; great value but a bit slow at times.",
    ]:
        toks = tokenize(safe_lower(normalize_chars(text)), matcher.norm, matcher.breaks)  # type: ignore[union-attr]
        assert tagger._learned.score_tokens(toks, neg) == pytest.approx(
            tagger._learned.score(en_feature_keys(toks, neg)), abs=1e-12
        )
