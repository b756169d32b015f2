"""Each reason in each language, several reasons per text, praise, and rule ids with spans."""

from __future__ import annotations

import pytest

from insights.tagging import REASON_KEYS, Tagger

# (lang, text, reason that must be tagged)
CASES: list[tuple[str, str, str]] = [
    # English
    ("en", "Honestly it is just too expensive for a team of three.", "price"),
    ("en", "Support took nine days to answer my ticket.", "support"),
    ("en", "There is no Xero integration, which we really needed.", "missing_features"),
    ("en", "The app keeps crashing when I upload a photo.", "bugs"),
    ("en", "The dashboard is confusing and the settings are hidden in submenus.", "usability"),
    ("en", "We are switching to a competitor next month.", "competitor"),
    ("en", "We no longer need it now that the project is over.", "no_need"),
    ("en", "I was charged twice for March and still have no refund.", "billing"),
    ("en", "Nobody checked in with us in two years, we felt ignored.", "neglect"),
    ("en", "Our company was acquired and the new owners use another stack.", "external"),
    # Russian
    ("ru", "Слишком дорого для маленькой команды.", "price"),
    ("ru", "Поддержка не отвечает уже третий день.", "support"),
    ("ru", "Не хватает интеграции с 1С, без неё никак.", "missing_features"),
    ("ru", "Приложение постоянно вылетает после обновления.", "bugs"),
    ("ru", "Интерфейс очень неудобный, ничего не найти.", "usability"),
    ("ru", "Мы ушли к конкуренту, там удобнее.", "competitor"),
    ("ru", "Проект закончился, сервис больше не нужен.", "no_need"),
    ("ru", "С карты дважды списали деньги за один месяц.", "billing"),
    ("ru", "За три года никто ни разу не позвонил, нас просто игнорируют.", "neglect"),
    ("ru", "Мы переезжаем в другую страну.", "external"),
    # Ukrainian
    ("uk", "Занадто дорого, не можу собі дозволити.", "price"),
    ("uk", "Підтримка не відповідає вже тиждень.", "support"),
    ("uk", "Немає інтеграції з Checkbox, а вона нам потрібна.", "missing_features"),
    ("uk", "Застосунок постійно зависає і вилітає.", "bugs"),
    ("uk", "Інтерфейс незручний, налаштування заховані.", "usability"),
    ("uk", "Переходимо до конкурента, у них дешевше.", "competitor"),
    ("uk", "Сезон закінчився, сервіс більше не потрібен.", "no_need"),
    ("uk", "Списали гроші двічі за один місяць.", "billing"),
    ("uk", "Ніхто не зателефонував за рік, відчуваю байдужість.", "neglect"),
    ("uk", "Через війну ми виїхали до Польщі.", "external"),
    # Danish
    ("da", "Det er alt for dyrt til så lille en virksomhed.", "price"),
    ("da", "Kundeservice svarer ikke på mine mails.", "support"),
    ("da", "Der mangler en integration til e-conomic.", "missing_features"),
    ("da", "Appen crasher hver gang jeg åbner den.", "bugs"),
    ("da", "Brugerfladen er forvirrende og uoverskuelig.", "usability"),
    ("da", "Vi skifter til en anden udbyder.", "competitor"),
    ("da", "Vi har ikke brug for det længere.", "no_need"),
    ("da", "Jeg er blevet trukket to gange for samme måned.", "billing"),
    ("da", "Ingen har kontaktet os i to år, vi føler os overset.", "neglect"),
    ("da", "Firmaet er gået konkurs.", "external"),
    # Chinese
    ("zh", "价格太贵了，小团队用不起。", "price"),
    ("zh", "客服态度很差，一直没人回复。", "support"),
    ("zh", "没有导出功能，希望增加。", "missing_features"),
    ("zh", "应用老是闪退，更新后更严重。", "bugs"),
    ("zh", "界面太复杂了，找不到设置。", "usability"),
    ("zh", "我们已经换成别家了。", "competitor"),
    ("zh", "项目结束了，不再需要了。", "no_need"),
    ("zh", "被重复扣费了，还不给退款。", "billing"),
    ("zh", "签约后从来没人联系过我们，感觉不被重视。", "neglect"),
    ("zh", "公司倒闭了。", "external"),
]


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    # The rules (and the rule-based sentiment) alone: these tests pin the rule engine. The
    # learned layer on top is tested in test_tagging_model.py (it only adds reasons).
    return Tagger.default().without_model()


def test_cases_cover_every_reason_in_every_language() -> None:
    covered = {(lang, reason) for lang, _, reason in CASES}
    for lang in ("en", "ru", "uk", "da", "zh"):
        for key in REASON_KEYS:
            assert (lang, key) in covered


@pytest.mark.parametrize(("lang", "text", "reason"), CASES)
def test_reason_is_tagged(tagger: Tagger, lang: str, text: str, reason: str) -> None:
    result = tagger.tag(text, lang=lang)
    assert reason in result.reasons, (result.reasons, [m.phrase for m in result.matches])
    rule = result.rules[result.reasons.index(reason)]
    assert rule.startswith(f"{reason}.{lang}.")


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "Too expensive, and support never replied to my emails.", {"price", "support"}),
        (
            "en",
            "Moving to HubSpot: cheaper, and it has the reporting we asked you for.",
            {"competitor", "price", "missing_features"},
        ),
        ("ru", "Дорого, а поддержка не отвечает неделями.", {"price", "support"}),
        ("uk", "Дорого, ще й застосунок постійно вилітає.", {"price", "bugs"}),
        ("da", "For dyrt, og appen crasher hele tiden.", {"price", "bugs"}),
        ("zh", "太贵了，而且经常闪退。", {"price", "bugs"}),
    ],
)
def test_several_reasons_per_text(tagger: Tagger, lang: str, text: str, expected: set[str]) -> None:
    result = tagger.tag(text, lang=lang)
    assert set(result.reasons) == expected
    assert len(result.rules) == len(result.reasons)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Great product, the support team is lovely and fast."),
        ("ru", "Отличный сервис, всё работает, спасибо!"),
        ("uk", "Все чудово, дякую за швидку доставку!"),
        ("da", "Super god service, tak for hjælpen."),
        ("zh", "服务很好，非常满意！"),
    ],
)
def test_praise_gets_no_reason(tagger: Tagger, lang: str, text: str) -> None:
    assert tagger.tag(text, lang=lang).reasons == ()


def test_matches_carry_rule_id_and_span(tagger: Tagger) -> None:
    text = "Way too expensive for us."
    result = tagger.tag(text, lang="en")
    assert result.reasons == ("price",)
    match = result.matches[0]
    assert match.rule == result.rules[0] == "price.en.too_expensive"
    assert text[match.start : match.end] == match.text == "too expensive"


def test_inflected_forms_match(tagger: Tagger) -> None:
    # Russian and Ukrainian rules are written once per lemma and match any form.
    assert "support" in tagger.tag("Операторы не ответили ни на одно письмо", lang="ru").reasons
    assert "competitor" in tagger.tag("Ми перейшли до конкурентів", lang="uk").reasons
    assert "billing" in tagger.tag("They double-charged us again", lang="en").reasons


def test_chinese_substring_guard(tagger: Tagger) -> None:
    # 贵 means "expensive", but 贵公司 is the polite "your company".
    assert tagger.tag("贵公司的服务很好", lang="zh").reasons == ()
    assert tagger.tag("贵公司的套餐太贵了", lang="zh").reasons == ("price",)


def test_longer_match_wins_over_contained_match(tagger: Tagger) -> None:
    # "slow response" (support) contains "slow" (bugs): only support.
    assert tagger.tag("Slow response every time I write.", lang="en").reasons == ("support",)


def test_resolved_problem_is_not_a_reason(tagger: Tagger) -> None:
    assert tagger.tag("The billing issue was sorted in five minutes.", lang="en").reasons == ()


def test_very_long_text_is_tagged_up_to_the_cap(tagger: Tagger) -> None:
    filler = "The onboarding went fine. " * 380  # 9,880 characters
    text = filler + "But it is too expensive." + filler * 10
    result = tagger.tag(text, lang="en")
    assert len(text) > 100_000
    assert result.truncated and len(result.text) == 10_000
    assert result.reasons == ("price",)
    assert result.matches[0].start > 9_880  # found near the end of what is read
    late = tagger.tag(filler * 2 + "But it is too expensive.", lang="en")
    assert late.truncated and late.reasons == ()  # past the cap: not read
