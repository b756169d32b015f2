"""Praise gets no churn reason from a mention in passing, and mixed texts keep theirs.

Long happy reviews name a discount, a call-back or a return on the way ("зі знижкою",
"не дивлячись на те, що"): the rules, written for short feedback, tagged them. In a text
the language's model reads as praise, a rule hit in a long text (more than
``LONG_TEXT_CLAUSES`` clauses) now needs the model to find its reason likely
(``PRAISE_RULE_AGREEMENT``). Short mixed texts ("Great app but too expensive") are not
gated and keep their reason. (The texts here are written for the tests, not taken from
the labelled data.)
"""

from __future__ import annotations

import pytest

from insights.tagging import Tagger


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.default()


LONG_PRAISE = [
    (
        "Замовляв ноутбук зі знижкою, менеджер передзвонив за п'ять хвилин, не дивлячись на "
        "те, що була вже пізня година. Доставка прийшла наступного дня, упаковка ціла, усі "
        "пломби на місці. Повернення не знадобилося, все працює чудово, швидко і тихо. Дуже "
        "задоволений магазином, рекомендую всім друзям!",
        "uk",
    ),
]

MIXED = [
    ("Great app but too expensive", "en", "price"),
    ("Love the app, but the price went up too much.", "en", "price"),
    ("Чудовий магазин, але ціни завищені.", "uk", "price"),
    ("Отличное приложение, но дорого", "ru", "price"),
    ("服务很好，就是价格太贵了", "zh", "price"),
    ("Great service, but support never answers my emails.", "en", "support"),
]


@pytest.mark.parametrize(("text", "lang"), LONG_PRAISE)
def test_a_long_happy_review_gets_no_reason_from_passing_mentions(
    tagger: Tagger, text: str, lang: str
) -> None:
    assert tagger.without_model().tag(text, lang=lang).reasons  # the rules alone fire
    r = tagger.tag(text, lang=lang)
    assert r.reasons == (), [t.why() for t in r.tags]
    assert r.label == "positive"


@pytest.mark.parametrize(("text", "lang", "reason"), MIXED)
def test_praise_with_a_complaint_keeps_its_reason(
    tagger: Tagger, text: str, lang: str, reason: str
) -> None:
    assert reason in tagger.tag(text, lang=lang).reasons


def test_saving_time_is_praise_but_cutting_costs_is_an_external_reason(tagger: Tagger) -> None:
    """ "Saves us heaps of time" is praise; the budget rule once read any "экономить" as a
    budget cut (the demo digest quoted it under "External circumstances")."""
    praise = tagger.tag("Отличный сервис, экономит нам кучу времени.", "ru")
    assert "external" not in praise.reasons
    for text, lang in [
        ("Нам приходится экономить на всём, отказываемся от подписки.", "ru"),
        ("Доводиться економити на всьому, тому скасовуємо.", "uk"),
    ]:
        assert "external" in tagger.tag(text, lang).reasons, text
