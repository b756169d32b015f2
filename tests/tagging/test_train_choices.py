"""How training decides, per reason, between the rules, a rule agreement and a model
threshold (benchmarks/train_tagger.py `choose_reason`), on out-of-fold style arrays."""

from __future__ import annotations

import numpy as np

from benchmarks.train_tagger import MIN_GAIN, choose_reason

# 40 texts: the first 10 have the reason
Y = np.array([1] * 10 + [0] * 30)


def test_precise_rules_are_left_alone() -> None:
    rule = Y.astype(bool).copy()
    p = np.linspace(0.0, 1.0, 40)  # a model that knows nothing useful
    choice = choose_reason(Y, p, rule, 1.0)
    assert choice.agreement == 0.0 and choice.threshold is None


def test_rules_that_fire_on_mentions_need_the_models_agreement() -> None:
    rule = np.zeros(40, dtype=bool)
    rule[:30] = True  # every complaint and 20 mere mentions
    p = np.where(Y == 1, 0.8, 0.02)  # the model tells them apart
    f_rules = 2 * 10 / (10 + 30)
    choice = choose_reason(Y, p, rule, f_rules, rule_precision=10 / 30)
    assert choice.agreement > 0.02
    assert choice.f1 == 1.0
    assert choice.f1 - f_rules >= MIN_GAIN


def test_a_model_that_finds_what_rules_miss_gets_a_threshold() -> None:
    rule = np.zeros(40, dtype=bool)
    rule[:3] = True
    p = np.where(Y == 1, 0.9, 0.1)
    choice = choose_reason(Y, p, rule, 2 * 3 / 13, rule_precision=1.0)
    assert choice.agreement == 0.0
    assert choice.threshold is not None and 0.1 < choice.threshold <= 0.9
    assert choice.f1 == 1.0


def test_a_precise_rule_never_waits_for_the_model() -> None:
    """Rules measured precise keep every hit, even where dropping a few would score higher
    out of fold: "support never answers" is a complaint whatever the model learned."""
    rule = np.zeros(40, dtype=bool)
    rule[:12] = True  # 10 right, 2 wrong: precision 0.83
    p = np.where(Y == 1, 0.8, 0.02)
    choice = choose_reason(Y, p, rule, 2 * 10 / 22, rule_precision=10 / 12)
    assert choice.agreement == 0.0


def test_weights_count_a_complaint_draw_as_the_few_texts_it_stands_for() -> None:
    """Rows drawn from complaints weigh less: a threshold that buys recall on them at the
    price of tagging the (heavier) random rows is not chosen once they are weighted."""
    y = np.array([1] * 10 + [0] * 10 + [0] * 20)
    rule = np.zeros(40, dtype=bool)
    p = np.concatenate([np.full(10, 0.9), np.full(10, 0.1), np.full(20, 0.9)])
    unweighted = choose_reason(y[:20], p[:20], rule[:20], 0.0, rule_precision=1.0)
    assert unweighted.threshold is not None  # on the complaint draw alone: perfect
    weight = np.array([0.1] * 20 + [1.0] * 20)  # the last 20 stand for many more texts
    choice = choose_reason(y, p, rule, 0.0, rule_precision=1.0, weight=weight)
    assert choice.threshold is None
