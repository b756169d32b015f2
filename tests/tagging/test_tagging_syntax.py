"""Phrase syntax added for generalisation: alternation, '&', '#', weak cue rules, exact
resolved cues, quoted "resolved" words and clause joiners."""

from __future__ import annotations

from pathlib import Path

import pytest

from insights.tagging import RulesError, Tagger, load_rules
from insights.tagging.rules import conj_parts, expand_phrase


def tagger_with(tmp_path: Path, body: str) -> Tagger:
    path = tmp_path / "rules.toml"
    path.write_text('[meta]\nmode = "replace"\n' + body, encoding="utf-8")
    return Tagger.from_file(path).without_model()  # rule syntax alone: no learned reasons


def test_expand_alternation_and_optional_group() -> None:
    assert expand_phrase("(price|cost) went up") == ["price went up", "cost went up"]
    assert expand_phrase("(really |)expensive") == ["really expensive", "expensive"]
    assert expand_phrase("re:(a|b)") == ["re:(a|b)"]  # regular expressions are left alone
    assert conj_parts("(a|b) & c") == ["(a|b)", "c"]


def test_order_free_parts_in_one_clause(tmp_path: Path) -> None:
    t = tagger_with(
        tmp_path,
        """
[reasons.price]
names = { en = "Price" }
[reasons.price.en]
rise = ["(price|rate|fee) & (went up|hike|doubled)"]
[reasons.price.zh]
rise = ["(价格|费用)&(越来越高|涨)"]
""",
    )
    assert t.tag("the rate for our premium plan went up again", lang="en").reasons == ("price",)
    assert t.tag("doubled, that fee", lang="en").reasons == ()  # comma: two clauses
    assert t.tag("the fee doubled", lang="en").reasons == ("price",)
    assert t.tag("the price has not gone up, no hike", lang="en").reasons == ()  # negated part
    assert t.tag("费用越来越高了", lang="zh").reasons == ("price",)
    assert t.tag("费用，越来越高", lang="zh").reasons == ()


def test_negation_cue_inside_another_part_does_not_cancel(tmp_path: Path) -> None:
    t = tagger_with(
        tmp_path,
        """
[reasons.missing_features]
names = { en = "Missing features" }
[reasons.missing_features.en]
recurring = ["(can't|cannot) (set up|create) & recurring (invoice|payment)"]
""",
    )
    # "can't" belongs to the phrase itself, so it does not negate "recurring invoices"
    assert t.tag("Can't set up recurring invoices.", lang="en").reasons == ("missing_features",)


def test_number_placeholder(tmp_path: Path) -> None:
    t = tagger_with(
        tmp_path,
        """
[reasons.support]
names = { en = "Support" }
[reasons.support.en]
slow = ["took # days to (reply|answer)"]
""",
    )
    assert t.tag("It took 12 days to reply.", lang="en").reasons == ("support",)
    assert t.tag("It took many days to reply.", lang="en").reasons == ()


def test_weak_rule_gives_way_to_an_overlapping_rule_of_another_reason(tmp_path: Path) -> None:
    t = tagger_with(
        tmp_path,
        """
[reasons.billing]
names = { en = "Billing" }
[reasons.billing.en.words]
any = ["invoice"]
weak = true
[reasons.bugs]
names = { en = "Bugs" }
[reasons.bugs.en]
lost = ["lost ... invoice"]
""",
    )
    assert t.tag("The invoice shows the wrong amount", lang="en").reasons == ("billing",)
    assert t.tag("We lost every invoice after the update", lang="en").reasons == ("bugs",)


def test_bad_syntax_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[reasons.price.en]\nx = ["price & "]\n', encoding="utf-8")
    with pytest.raises(RulesError, match="'&' must stand between two parts"):
        load_rules(bad)
    bad.write_text('[reasons.price.en]\nx = ["(a|b"]\n', encoding="utf-8")
    with pytest.raises(RulesError, match="unbalanced"):
        load_rules(bad)
    huge = "(" + "|".join(f"w{i}" for i in range(60)) + ")"
    bad.write_text(f'[reasons.price.en]\nx = ["{huge} {huge}"]\n', encoding="utf-8")
    with pytest.raises(RulesError, match="alternatives"):
        load_rules(bad)
    bad.write_text('[reasons.price.en.x]\nany = ["a"]\nweak = "yes"\n', encoding="utf-8")
    with pytest.raises(RulesError, match="'weak' must be true or false"):
        load_rules(bad)


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    # The rules alone: these tests pin the rule syntax (the learned layer is tested apart).
    return Tagger.default().without_model()


def test_quoted_resolved_word_is_reported_speech(tagger: Tagger) -> None:
    text = 'Support closed my ticket as "resolved" without fixing anything.'
    assert tagger.tag(text, lang="en").reasons == ("support",)
    assert tagger.tag(
        "Заявку закрыли как «решённую», хотя ничего не исправили.", lang="ru"
    ).reasons == ("support",)
    assert tagger.tag("The billing issue was sorted in five minutes.", lang="en").reasons == ()


def test_decided_is_not_resolved(tagger: Tagger) -> None:
    # "решили" (decided) is not a fix cue; only "решено" (was resolved) is
    assert tagger.tag("Решили, что Битрикс нам подходит больше.", lang="ru").reasons == (
        "competitor",
    )


@pytest.mark.parametrize(
    ("lang", "text", "reasons"),
    [
        # the comma before что/що is punctuation, not a new clause: the cue still negates
        ("ru", "Не скажу, что дорого, просто нет интеграции с Меркурием.", ("missing_features",)),
        ("uk", "Не скажу, що дорого, просто нема інтеграції з Вчасно.", ("missing_features",)),
        # and a "thought that ..." clause marks the problem as resolved
        ("ru", "Думал, что списали дважды, а оказалось — это блокировка суммы.", ()),
    ],
)
def test_clause_joiners(tagger: Tagger, lang: str, text: str, reasons: tuple[str, ...]) -> None:
    assert tagger.tag(text, lang=lang).reasons == reasons
