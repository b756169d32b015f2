"""Reasons in wordings that neither dev.jsonl nor dev2.jsonl uses (paraphrases written while
broadening the rules), two per reason and language, plus praise that must stay untagged."""

from __future__ import annotations

import pytest

from insights.tagging import REASON_KEYS, Tagger

NEW_WORDINGS = [
    ("da", "I har trukket mig to gange for samme måned.", "billing"),
    ("da", "Jeg har stadig ikke fået min refusion.", "billing"),
    ("da", "Appen lukker ned hele tiden.", "bugs"),
    ("da", "Siden virker ikke på min telefon.", "bugs"),
    ("da", "Vi er skiftet til en konkurrent.", "competitor"),
    ("da", "Vi har fundet noget bedre.", "competitor"),
    ("da", "Firmaet lukker ved årsskiftet.", "external"),
    ("da", "Vi er blevet opkøbt af en større koncern.", "external"),
    ("da", "Der er ingen mulighed for at eksportere til Excel.", "missing_features"),
    ("da", "Vi savner en ordentlig app.", "missing_features"),
    ("da", "Vi hører aldrig fra jer.", "neglect"),
    ("da", "I er ligeglade med jeres kunder.", "neglect"),
    ("da", "Vi bruger det ikke mere.", "no_need"),
    ("da", "Projektet er slut, så vi har ikke brug for det.", "no_need"),
    ("da", "Prisen er simpelthen for høj i forhold til hvad man får.", "price"),
    ("da", "Abonnementet er blevet dyrere igen.", "price"),
    ("da", "Jeg har ventet en uge på svar fra support.", "support"),
    ("da", "Kundeservice er helt umulig at komme igennem til.", "support"),
    ("da", "Det er alt for svært at finde rundt i.", "usability"),
    ("da", "Menuen er fuldstændig uoverskuelig.", "usability"),
    ("en", "I was charged for two licences but we only have one user.", "billing"),
    ("en", "Still haven't received my refund.", "billing"),
    ("en", "The app keeps logging me out.", "bugs"),
    ("en", "Website was down for most of Monday.", "bugs"),
    ("en", "We've signed with a different provider.", "competitor"),
    ("en", "Trying out ClickUp instead.", "competitor"),
    ("en", "Our company is being shut down.", "external"),
    ("en", "We got acquired and have to use the parent's tools.", "external"),
    ("en", "There's no way to export my data to CSV.", "missing_features"),
    ("en", "It really needs a proper mobile app.", "missing_features"),
    ("en", "We never hear from our account manager.", "neglect"),
    ("en", "You don't value long-term customers.", "neglect"),
    ("en", "We've stopped using it since the project ended.", "no_need"),
    ("en", "Don't need it anymore, the kids are older.", "no_need"),
    ("en", "Honestly the cost just isn't justified anymore.", "price"),
    ("en", "Your new pricing tiers priced us out.", "price"),
    ("en", "Been waiting 10 days for someone to reply to my email.", "support"),
    ("en", "Your helpdesk is a black hole.", "support"),
    ("en", "The interface is a maze.", "usability"),
    ("en", "Took me an hour to find the cancel button.", "usability"),
    ("ru", "Сняли деньги дважды за один месяц.", "billing"),
    ("ru", "Возврат средств до сих пор не пришёл.", "billing"),
    ("ru", "Приложение постоянно вылетает при оплате.", "bugs"),
    ("ru", "Сайт не открывается уже второй день.", "bugs"),
    ("ru", "Переходим к конкуренту, там дешевле.", "competitor"),
    ("ru", "Нашли сервис получше.", "competitor"),
    ("ru", "Компания закрывается, всем спасибо.", "external"),
    ("ru", "Нас поглотила другая компания, у них свой софт.", "external"),
    ("ru", "Нет возможности выгрузить отчёт в PDF.", "missing_features"),
    ("ru", "Не хватает нормального мобильного приложения.", "missing_features"),
    ("ru", "Менеджер за год ни разу не позвонил.", "neglect"),
    ("ru", "Чувствуем, что мы вам не нужны.", "neglect"),
    ("ru", "Больше не пользуюсь, нет необходимости.", "no_need"),
    ("ru", "Проект закрыли, сервис не нужен.", "no_need"),
    ("ru", "Цены у вас просто неприличные.", "price"),
    ("ru", "Тариф снова вырос, а качество то же.", "price"),
    ("ru", "Неделю не могу получить ответ от поддержки.", "support"),
    ("ru", "Специалисты поддержки ничего не понимают в своём же продукте.", "support"),
    ("ru", "Интерфейс жутко неудобный, всё через одно место.", "usability"),
    ("ru", "Разобраться без инструкции невозможно.", "usability"),
    ("uk", "Зняли гроші двічі за один місяць.", "billing"),
    ("uk", "Повернення коштів досі не надійшло.", "billing"),
    ("uk", "Застосунок постійно вилітає під час оплати.", "bugs"),
    ("uk", "Сайт не відкривається вже другий день.", "bugs"),
    ("uk", "Переходимо до конкурента, там дешевше.", "competitor"),
    ("uk", "Знайшли сервіс кращий.", "competitor"),
    ("uk", "Компанія закривається, всім дякую.", "external"),
    ("uk", "Нас поглинула інша компанія, у них свій софт.", "external"),
    ("uk", "Немає можливості вивантажити звіт у PDF.", "missing_features"),
    ("uk", "Бракує нормального мобільного застосунку.", "missing_features"),
    ("uk", "Менеджер за рік жодного разу не зателефонував.", "neglect"),
    ("uk", "Відчуваємо, що ми вам не потрібні.", "neglect"),
    ("uk", "Більше не користуюся, немає потреби.", "no_need"),
    ("uk", "Проєкт закрили, сервіс не потрібен.", "no_need"),
    ("uk", "Ціни у вас просто непристойні.", "price"),
    ("uk", "Тариф знову виріс, а якість та сама.", "price"),
    ("uk", "Тиждень не можу отримати відповідь від підтримки.", "support"),
    ("uk", "Фахівці підтримки нічого не розуміють у власному продукті.", "support"),
    ("uk", "Інтерфейс жахливо незручний.", "usability"),
    ("uk", "Розібратися без інструкції неможливо.", "usability"),
    ("zh", "被扣了两次费", "billing"),
    ("zh", "退款到现在还没到账", "billing"),
    ("zh", "App总是闪退", "bugs"),
    ("zh", "网站经常打不开", "bugs"),
    ("zh", "已经换成钉钉了", "competitor"),
    ("zh", "我们转到腾讯云了", "competitor"),
    ("zh", "公司倒闭了", "external"),
    ("zh", "我们被别的公司收购了", "external"),
    ("zh", "不能导出Excel，太不方便了", "missing_features"),
    ("zh", "缺少手机端，只能在电脑上用", "missing_features"),
    ("zh", "从来没有人联系过我们", "neglect"),
    ("zh", "老客户一点优惠都没有", "neglect"),
    ("zh", "现在用不上了", "no_need"),
    ("zh", "项目结束了，账号就不续了", "no_need"),
    ("zh", "价格实在太高了，小公司承受不了", "price"),
    ("zh", "年费又涨了，真的不值", "price"),
    ("zh", "客服根本不管用，问什么都说不知道", "support"),
    ("zh", "等了一个星期还没人回复我的工单", "support"),
    ("zh", "界面太复杂了，老人根本不会用", "usability"),
    ("zh", "设置藏得太深，找了半天", "usability"),
]

PRAISE = [
    ("en", "Works great, no issues at all."),
    ("en", "Love the new features, keep it up."),
    ("en", "Support sorted my issue quickly."),
    ("en", "Not the cheapest but definitely worth it."),
    ("ru", "Всё отлично работает, спасибо!"),
    ("ru", "Поддержка помогла быстро, претензий нет."),
    ("ru", "Цена нормальная, функционал устраивает."),
    ("ru", "Никаких сбоев за два года."),
    ("uk", "Все чудово працює, дякую!"),
    ("uk", "Підтримка допомогла швидко, претензій немає."),
    ("uk", "Ціна нормальна, функціонал влаштовує."),
    ("uk", "Жодних збоїв за два роки."),
    ("da", "Fungerer perfekt, tak!"),
    ("da", "Hurtig og venlig kundeservice."),
    ("da", "Prisen er rimelig."),
    ("da", "Ingen problemer overhovedet."),
    ("zh", "用着挺好的，没什么问题"),
    ("zh", "客服很耐心，帮我解决了"),
    ("zh", "价格合理"),
    ("zh", "从没出过问题"),
]


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    # The rules (and the rule-based sentiment) alone: these tests pin the rule engine. The
    # learned layer on top is tested in test_tagging_model.py (it only adds reasons).
    return Tagger.default().without_model()


def test_every_reason_in_every_language_is_covered() -> None:
    covered = {(lang, reason) for lang, _, reason in NEW_WORDINGS}
    assert covered == {(lang, k) for lang in ("en", "ru", "uk", "da", "zh") for k in REASON_KEYS}


@pytest.mark.parametrize(("lang", "text", "reason"), NEW_WORDINGS)
def test_new_wording_is_tagged(tagger: Tagger, lang: str, text: str, reason: str) -> None:
    result = tagger.tag(text, lang=lang)
    assert result.reasons == (reason,), [(m.rule, m.text) for m in result.matches]
    assert result.rules[0].startswith(f"{reason}.{lang}.")


@pytest.mark.parametrize(("lang", "text"), PRAISE)
def test_praise_in_new_wording_is_not_tagged(tagger: Tagger, lang: str, text: str) -> None:
    result = tagger.tag(text, lang=lang)
    assert result.reasons == (), [(m.rule, m.text) for m in result.matches]
