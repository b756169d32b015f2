"""What the demo's synthetic customers say, per language and churn reason.

Written for the demo only (not evaluation data): a few plausible phrasings per reason so that
the tagging, the reasons breakdown and the digest quotes have something realistic to show.
"""

from __future__ import annotations

REASON_PHRASES: dict[str, dict[str, list[str]]] = {
    "en": {
        "price": [
            "Too expensive for what we actually use.",
            "The price went up again and the value isn't there.",
            "$49 a month is a lot for a team of three.",
        ],
        "support": [
            "Support took four days to answer a simple question.",
            "Your support team keeps closing my tickets without fixing anything.",
        ],
        "missing_features": [
            "No Salesforce integration, which we really need.",
            "We need proper reporting and export, it's just not there.",
        ],
        "bugs": [
            "The app crashes every time I upload a file.",
            "Constant outages this month, we lost data twice.",
        ],
        "usability": [
            "Setup was confusing and the interface is hard to use.",
            "Too complicated for my team, onboarding was painful.",
        ],
        "competitor": [
            "We moved to a competitor that has better integrations.",
            "Switching to HubSpot, they offered us a better deal.",
        ],
        "no_need": [
            "The project ended, we don't need it anymore.",
            "We barely use it these days.",
        ],
        "billing": [
            "I was charged twice this month and still no refund.",
            "The invoice was wrong again and my card update failed.",
        ],
        "neglect": [
            "Nobody ever checked in with us, we felt ignored.",
            "Three years as customers and no one from your side ever called.",
        ],
        "external": [
            "Our company was acquired and the new owners use another tool.",
            "Budget cuts from head office, nothing to do with you.",
        ],
    },
    "ru": {
        "price": ["Слишком дорого для нашей команды.", "Цены опять подняли, не по карману."],
        "support": [
            "Поддержка отвечает по три дня.",
            "В техподдержке никто не помог, только отписки.",
        ],
        "missing_features": [
            "Не хватает интеграции с 1С.",
            "Нет нормальных отчётов и выгрузки.",
        ],
        "bugs": ["Приложение постоянно вылетает.", "Опять сбой, потеряли данные клиентов."],
        "usability": [
            "Очень неудобный интерфейс, сложно разобраться.",
            "Настройка слишком сложная.",
        ],
        "competitor": ["Перешли к конкурентам, у них удобнее.", "Уходим на Битрикс24."],
        "no_need": ["Проект закончился, сервис больше не нужен.", "Почти не пользуемся."],
        "billing": [
            "Деньги списали дважды, возврата так и нет.",
            "Не проходит оплата картой, счёт выставили неверно.",
        ],
        "neglect": [
            "Никто ни разу с нами не связался, чувствуем себя брошенными.",
            "Мы для вас просто номер в базе.",
        ],
        "external": ["Компанию закрыли.", "Руководство урезало бюджет."],
    },
    "uk": {
        "price": ["Занадто дорого для нас.", "Ціни знову підняли, не можемо собі дозволити."],
        "support": [
            "Підтримка відповідає по кілька днів.",
            "Служба підтримки нічим не допомогла.",
        ],
        "missing_features": [
            "Бракує інтеграції з нашою CRM.",
            "Немає нормальних звітів і експорту.",
        ],
        "bugs": ["Застосунок постійно вилітає.", "Знову збій, втратили дані."],
        "usability": ["Дуже незручний інтерфейс.", "Налаштування надто складне."],
        "competitor": ["Перейшли до конкурента.", "Переходимо на іншого провайдера, там зручніше."],
        "no_need": ["Проєкт завершився, сервіс більше не потрібен.", "Майже не користуємося."],
        "billing": [
            "Гроші списали двічі, повернення досі немає.",
            "Оплата карткою не проходить, рахунок неправильний.",
        ],
        "neglect": [
            "Ніхто жодного разу з нами не зв'язався.",
            "Відчуваємо, що ми вам байдужі.",
        ],
        "external": ["Компанію закрили.", "Керівництво скоротило бюджет."],
    },
    "da": {
        "price": ["Alt for dyrt til det, vi bruger.", "Prisstigningen gør det for dyrt for os."],
        "support": [
            "Kundeservice svarer aldrig til tiden.",
            "Supporten var ikke til nogen hjælp.",
        ],
        "missing_features": [
            "Vi mangler en integration til e-conomic.",
            "Der er ingen ordentlig rapportering.",
        ],
        "bugs": ["Appen går ned hele tiden.", "Nedbrud igen, vi mistede data."],
        "usability": ["Brugerfladen er svær at bruge.", "Opsætningen var alt for kompliceret."],
        "competitor": ["Vi skifter til en konkurrent.", "Vi er gået over til en anden udbyder."],
        "no_need": [
            "Projektet er slut, vi har ikke brug for det længere.",
            "Vi bruger det næsten ikke.",
        ],
        "billing": [
            "Jeg blev trukket to gange og har ikke fået pengene tilbage.",
            "Fakturaen var forkert, og kortbetalingen fejlede.",
        ],
        "neglect": ["Ingen har nogensinde kontaktet os.", "Vi føler os overset som kunder."],
        "external": ["Firmaet er lukket.", "Ledelsen har skåret i budgettet."],
    },
    "zh": {
        "price": ["价格太贵了。", "又涨价了,性价比太低。"],
        "support": ["客服三天都不回复。", "找客服根本没用。"],
        "missing_features": ["缺少和钉钉的集成。", "没有像样的报表和导出功能。"],
        "bugs": ["应用老是闪退。", "又宕机了,数据都丢了。"],
        "usability": ["界面太难用了。", "配置太复杂,上手很难。"],
        "competitor": ["我们换成别家了。", "已经转用竞争对手的产品。"],
        "no_need": ["项目结束了,不再需要。", "现在基本不用了。"],
        "billing": ["被重复扣款,还没退款。", "发票开错了,信用卡付款也失败了。"],
        "neglect": ["从来没有人联系过我们。", "感觉被忽视了。"],
        "external": ["公司倒闭了。", "上级削减了预算。"],
    },
}

PRAISE: dict[str, list[str]] = {
    "en": [
        "Great product, saves us hours every week.",
        "Love it, support is quick and friendly.",
        "Works well, no complaints.",
    ],
    "ru": ["Отличный сервис, экономит нам кучу времени.", "Всё работает, спасибо!"],
    "uk": ["Чудовий сервіс, дуже зручно.", "Все працює, дякую!"],
    "da": ["Fantastisk produkt, det sparer os mange timer.", "Det virker fint, tak!"],
    "zh": ["产品很好用,节省了很多时间。", "一切正常,谢谢!"],
}

NEUTRAL: dict[str, list[str]] = {
    "en": ["It's okay.", "Does the job."],
    "ru": ["Нормально.", "В целом неплохо."],
    "uk": ["Нормально.", "Загалом непогано."],
    "da": ["Det er okay.", "Det fungerer."],
    "zh": ["还行。", "一般般。"],
}
