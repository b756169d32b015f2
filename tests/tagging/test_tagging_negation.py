"""Negated complaints do not tag, in every language; real complaints next to them still do."""

from __future__ import annotations

import pytest

from insights.tagging import Tagger


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    # The rules (and the rule-based sentiment) alone: these tests pin the rule engine. The
    # learned layer on top is tested in test_tagging_model.py (it only adds reasons).
    return Tagger.default().without_model()


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Not expensive at all for what you get."),
        ("en", "Support was never a problem."),
        ("en", "I don't think the price is too high."),
        ("en", "No bugs, no outages, no complaints."),
        ("ru", "Не дорого, всё устраивает."),
        ("ru", "Совсем не сложно разобраться."),
        ("ru", "Никаких ошибок не было."),
        ("uk", "Не дорого і зручно."),
        ("uk", "Зовсім не складно налаштувати."),
        ("da", "Det er ikke dyrt."),
        ("da", "Prisen er ikke for høj."),
        ("da", "Ikke kompliceret at bruge."),
        ("zh", "价格不贵，服务也好。"),
        ("zh", "一点也不贵"),
        ("zh", "没有闪退，用着挺顺。"),
    ],
)
def test_negated_complaint_does_not_tag(tagger: Tagger, lang: str, text: str) -> None:
    result = tagger.tag(text, lang=lang)
    assert result.reasons == (), [(m.rule, m.text) for m in result.matches]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "It's not the price, it's that support takes a week to answer.", ("support",)),
        ("ru", "Не дорого, но поддержка не отвечает.", ("support",)),
        ("uk", "Не дорого, але підтримка не відповідає.", ("support",)),
        ("da", "Ikke dyrt, men kundeservice svarer ikke.", ("support",)),
        ("zh", "价格不贵，但是客服态度很差。", ("support",)),
    ],
)
def test_negation_scope_ends_at_the_clause(
    tagger: Tagger, lang: str, text: str, expected: tuple[str, ...]
) -> None:
    assert tagger.tag(text, lang=lang).reasons == expected


@pytest.mark.parametrize(
    ("lang", "text", "reason"),
    [
        # complaints that contain a negation word themselves are not cancelled by it
        ("en", "The export doesn't work.", "bugs"),
        ("ru", "Поддержка никогда не отвечает.", "support"),
        ("uk", "Ніхто не зателефонував.", "neglect"),
        ("da", "Appen virker ikke.", "bugs"),
        ("zh", "性价比不高", "price"),
    ],
)
def test_complaint_phrased_with_a_negation_still_tags(
    tagger: Tagger, lang: str, text: str, reason: str
) -> None:
    assert reason in tagger.tag(text, lang=lang).reasons


def test_pseudo_negation_does_not_negate(tagger: Tagger) -> None:
    # "not only" is emphasis, not negation
    assert "price" in tagger.tag("Not only too expensive but slow.", lang="en").reasons


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        # concessions: "not cheap, but worth it" is praise, not a price complaint
        ("en", "Not cheap, but worth every penny.", ()),
        ("ru", "Недешево, но оно того стоит.", ()),
        ("ru", "Подписка подорожала, но и фильмов стало заметно больше — не жалуюсь.", ()),
        ("uk", "Не найдешевше, але воно того варте.", ()),
        ("da", "Ikke det billigste, men det er det hele værd.", ()),
        ("da", "Prisen er steget lidt, men det er stadig pengene værd.", ()),
        ("zh", "虽然不便宜，但是值得", ()),
        ("zh", "会员虽然涨了点价，但内容多了不少，能接受", ()),
        # "X indeed isn't Y, it's Z": only Z is a complaint
        ("zh", "贵倒是不贵，就是没有API，我们的系统接不进来", ("missing_features",)),
        (
            "da",
            "Det er ikke prisen, der er problemet, men at der ikke er nogen API.",
            ("missing_features",),
        ),
        # negations after the word ("glitches so far: none seen")
        ("ru", "Глюков пока не замечал, синхронизация быстрая.", ()),
        ("uk", "Глюків поки не помічав, синхронізація швидка.", ()),
        ("en", "No bugs so far and the sync is fast.", ()),
        ("zh", "目前没遇到什么bug，同步也很快", ()),
        # "rarely" in Chinese negates
        ("zh", "很少出问题，有问题客服也处理得很快", ()),
    ],
)
def test_concessions_and_more_negations(
    tagger: Tagger, lang: str, text: str, expected: tuple[str, ...]
) -> None:
    result = tagger.tag(text, lang=lang)
    assert result.reasons == expected, [(m.rule, m.text) for m in result.matches]


def test_pseudo_negation_words_in_chinese(tagger: Tagger) -> None:
    # 动不动 ("at every turn") and 别的 ("other") contain 不 / 别 but do not negate
    assert tagger.tag("App动不动就卡死，重启好几次才能用", lang="zh").reasons == ("bugs",)
    assert tagger.tag("我们被别的公司收购了", lang="zh").reasons == ("external",)
