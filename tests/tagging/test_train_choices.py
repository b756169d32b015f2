"""How training decides, per reason, between the rules, a rule agreement and a model
threshold (benchmarks/train_tagger.py `choose_reason`), on out-of-fold style arrays."""

from __future__ import annotations

import json

import numpy as np
import pytest

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


def test_other_rounds_never_overwrite_the_shipped_models(capsys, monkeypatch) -> None:
    """Training on rounds other than the shipped ones is for reading the out-of-fold
    table or writing a candidate elsewhere: without --dry-run or --out it is refused before
    anything is trained or written; with --dry-run, the rounds asked for (in any order) are
    what the gold rows are read from and nothing is written."""
    from benchmarks import tagger_data as D
    from benchmarks import train_tagger as T

    trained: list[tuple[int, ...]] = []

    def fake_train(lang, tagger, log, fold_seeds):
        trained.append(D.TRAINED_ROUNDS)
        return {}, {}

    def never(*args, **kwargs):
        raise AssertionError("a refused or dry run must write nothing")

    monkeypatch.setattr(T, "train_language", fake_train)
    monkeypatch.setattr(T, "write_golden", never)
    monkeypatch.setattr(T.np, "savez_compressed", never)
    monkeypatch.setattr(D, "TRAINED_ROUNDS", (1, 2, 3))  # a default to differ from; restored
    with pytest.raises(SystemExit) as refused:
        T.main(["--rounds", "1", "2", "3", "4", "--langs", "ru"])
    assert refused.value.code == 2
    assert "needs --dry-run" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:
        T.main(["--rounds", "2", "3", "--dry-run", "--langs", "ru"])
    assert refused.value.code == 2
    assert "must include round 1" in capsys.readouterr().err
    assert trained == []
    assert T.main(["--rounds", "4", "1", "2", "3", "--dry-run", "--langs", "ru"]) == 0
    assert trained == [(1, 2, 3, 4)]


def test_a_candidate_goes_to_its_own_folder_and_never_touches_the_shipped_files(
    tmp_path, monkeypatch
) -> None:
    """--out writes a candidate's models where it is told (for tagging_eval --models) and
    neither the package's models nor the golden file; it may use other rounds."""
    from benchmarks import tagger_data as D
    from benchmarks import train_tagger as T

    saved: list = []

    def fake_train(lang, tagger, log, fold_seeds):
        return {}, {"version": np.array(T.VERSION)}

    def never(*args, **kwargs):
        raise AssertionError("a candidate must not write the golden file")

    monkeypatch.setattr(T, "train_language", fake_train)
    monkeypatch.setattr(T, "write_golden", never)

    def save(path, **arr):
        saved.append((path, arr))
        path.write_bytes(b"model")

    monkeypatch.setattr(T.np, "savez_compressed", save)
    monkeypatch.setattr(T, "VERSION", T.VERSION)  # restored afterwards
    monkeypatch.setattr(D, "TRAINED_ROUNDS", (1, 2, 3))
    out = tmp_path / "cand"
    argv = ["--rounds", "1", "2", "3", "4", "--langs", "ru", "--out", str(out)]
    assert T.main([*argv, "--version", "9999.1"]) == 0
    assert [p for p, _ in saved] == [out / "ru.npz"]
    assert str(saved[0][1]["version"]) == "9999.1"
    assert D.TRAINED_ROUNDS == (1, 2, 3, 4)


def test_the_praise_gate_is_chosen_with_the_rule_hits_it_removes_at_run_time() -> None:
    """At run time (tagger._reason_tags) a rule hit in a *long* text read as praise stays
    only if the model finds its reason at least PRAISE_RULE_AGREEMENT likely, and a hit of a
    reason the model has no classifier for does not stay; in a short text every hit stays.
    The gate's choice must see exactly that, or it picks a gate for a tagger that does not
    exist."""
    from benchmarks import tagger_data as D
    from benchmarks.train_tagger import choose_praise_gate
    from insights.tagging.tagger import PRAISE_RULE_AGREEMENT

    def row(i: str, sentiment: str, reasons: frozenset = frozenset()) -> D.Row:
        return D.Row(i, i, "uk", "train", sentiment, reasons)

    def choose(**kw) -> float:
        return choose_praise_gate(gold, ["price"], Y, oof, oof_pos, rules, {}, lambda s: 0, **kw)

    gold = [row("happy long", "positive"), row("angry", "negative", frozenset({"price"}))]
    gold += [row(f"calm {i}", "neutral") for i in range(3)]
    Y = np.array([[False], [True], [False], [False], [False]])
    oof = np.array([[0.1], [0.9], [0.0], [0.0], [0.0]])  # no price in the happy review
    oof_pos = np.array([0.95, 0.05, 0.3, 0.3, 0.3])
    rules = np.array([[True], [True], [False], [False], [False]])  # price fires on both
    long = np.array([True, True, False, False, False])
    assert choose(long=long) == 0.9  # the highest gate that drops the passing mention
    assert choose() == 1.01  # blind to the rule gating: no gate can help

    # the same happy text, short: its hit stays at run time, so no gate helps either
    assert choose(long=np.array([False, True, False, False, False])) == 1.01
    # the model agreeing (at PRAISE_RULE_AGREEMENT exactly) keeps the hit too
    oof[0, 0] = PRAISE_RULE_AGREEMENT
    assert choose(long=long) == 1.01
    oof[0, 0] = 0.1

    # a reason without a classifier (no_need) fired in a long happy text: only a gate the
    # text's P(positive) reaches removes it, and it counts in the praise share
    rules[0, 0] = False
    unscored = np.array([True, False, False, False, False])
    assert choose(long=long, unscored=unscored) == 0.9
    assert choose(long=long) == 1.01  # not seen: every gate looks the same


def test_the_evaluation_scores_a_candidate_folder_and_names_what_is_missing(
    tmp_path, capsys
) -> None:
    """tagging_eval --models DIR scores the models in DIR (not the shipped ones), and a
    folder without every language's model is refused in one line that names them."""
    import shutil

    from benchmarks import tagging_eval as E
    from insights.tagging.model import TextModel, model_dir

    for lang in ("en", "ru"):
        shutil.copy(model_dir() / f"{lang}.npz", tmp_path / f"{lang}.npz")
    with pytest.raises(SystemExit) as refused:
        E.main(["--models", str(tmp_path), "--only", "feedback"])
    assert refused.value.code == 2
    assert f"--models {tmp_path}: no model for uk, zh, da there" in capsys.readouterr().err

    for lang in ("uk", "zh", "da"):
        shutil.copy(model_dir() / f"{lang}.npz", tmp_path / f"{lang}.npz")
    with np.load(tmp_path / "ru.npz") as z:  # a candidate: the shipped arrays, renamed
        arrays = dict(z)
    meta = json.loads(arrays["meta"].tobytes())
    meta["version"] = "candidate-ru"
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez_compressed(tmp_path / "ru.npz", **arrays)
    ours = E.Ours(tmp_path)
    candidate = ours.tagger.model("ru")
    assert candidate is not None and candidate.version == "candidate-ru"
    assert TextModel.load(model_dir() / "ru.npz").version != "candidate-ru"
    assert ours.tag("Связь пропадает каждый день", "ru", True).reasons


def test_another_fold_seed_is_for_reading_only(capsys, monkeypatch) -> None:
    """The shipped models choose on the repeated out-of-fold splits of every FOLD_SEEDS;
    --fold-seed N shows one split alone (how much a choice moves with the folds), so it is
    refused unless nothing is written."""
    from benchmarks import train_tagger as T

    seen: list[tuple[int, ...]] = []

    def fake_train(lang, tagger, log, fold_seeds):
        seen.append(tuple(fold_seeds))
        return {}, {}

    monkeypatch.setattr(T, "train_language", fake_train)
    with pytest.raises(SystemExit) as refused:
        T.main(["--fold-seed", "3", "--langs", "uk"])
    assert refused.value.code == 2
    assert "--fold-seed needs --dry-run" in capsys.readouterr().err
    assert seen == []
    assert T.main(["--fold-seed", "3", "--langs", "uk", "--dry-run"]) == 0
    assert T.main(["--langs", "uk", "--dry-run"]) == 0
    assert seen == [(3,), T.FOLD_SEEDS]
    assert len(T.FOLD_SEEDS) > 1


def test_the_choices_read_every_fold_seed_row_by_row(monkeypatch) -> None:
    """choose_on_folds pools the fold seeds: every array the choice functions get holds each
    gold row once per seed, in the same order in all of them (row s*n+i is gold row i under
    seed s). A choice made on one seed only, or on arrays out of line with each other (the
    labels of one row beside another row's probabilities), would fail here."""
    from benchmarks import tagger_data as D
    from benchmarks import train_tagger as T
    from insights.tagging import Tagger

    def row(i: str, text: str, sentiment: str, reasons: set[str]) -> D.Row:
        return D.Row(i, text, "en", "train", sentiment, frozenset(reasons))

    gold = [
        row("a", "Way too expensive for what you get", "negative", {"price"}),
        row("b", "Support never answers my emails", "negative", {"support"}),
        row("c", "Love it, works great", "positive", set()),
    ]
    keys = ["price", "support"]
    runs = [
        (np.array([[0.9, 0.1], [0.2, 0.8], [0.1, 0.1]]), np.array([0.1, 0.2, 0.9])),
        (np.array([[0.7, 0.3], [0.4, 0.6], [0.3, 0.2]]), np.array([0.2, 0.3, 0.8])),
    ]
    reason_calls: list[tuple] = []
    gate_calls: list[tuple] = []
    real_choose_reason = T.choose_reason

    def spy_reason(y, p, rule, f_rules, precision, long):
        reason_calls.append((y.copy(), p.copy(), rule.copy(), long.copy()))
        return real_choose_reason(y, p, rule, f_rules, precision, long)

    def spy_gate(rows, k, Y, oof, oof_pos, rules, thresholds, log, long, unscored, repeat):
        gate_calls.append((list(rows), Y.copy(), oof.copy(), oof_pos.copy(), repeat))
        return 0.7

    monkeypatch.setattr(T, "choose_reason", spy_reason)
    monkeypatch.setattr(T, "choose_praise_gate", spy_gate)
    tagger = Tagger(use_model=False)
    got = T.choose_on_folds(gold, keys, runs, tagger, lambda s: None)

    assert got.praise_gate == 0.7
    assert len(reason_calls) == len(keys)
    for j, (y, p, rule, _long) in enumerate(reason_calls):
        assert list(p) == [run[0][i, j] for run in runs for i in range(3)]
        assert list(y) == [keys[j] in r.reasons for r in gold] * 2
        fired = [keys[j] in tagger.rule_reasons(r.text, "en") for r in gold]
        assert any(fired)  # the rules do fire here, so their column is really checked
        assert list(rule) == fired * 2
    rows, Y, oof, oof_pos, repeat = gate_calls[0]
    assert rows == gold * 2 and repeat == 2
    assert (oof == np.vstack([runs[0][0], runs[1][0]])).all()
    assert list(oof_pos) == [0.1, 0.2, 0.9, 0.2, 0.3, 0.8]
    expected = np.array([[True, False], [False, True], [False, False]] * 2)
    assert (expected == Y).all()
