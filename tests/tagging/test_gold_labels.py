"""The gold labels that train and score the tagger keep their promises: every row comes from
a committed draw, both annotators labelled it, only random draws are scored (round 1, the
draw of all texts, has validation and test rows; rounds 2, 3 and 5, drawn from complaints,
a test part), round 4 (picked by the tagger) only trains, and no test text is ever trained on.

These checks read the committed files (ids and labels); the rebuild check also reads the
texts in ../shared/data, where build_gold leaves out later-round repeats of earlier texts.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.labels.agreement import REASONS, SENTIMENTS, load, sample_ids
from benchmarks.labels.build_gold import (
    COMPLAINT_ROUNDS,
    COMPLAINT_SHARES,
    LATER_ROUNDS,
    gold,
    splits,
)
from benchmarks.labels.sources import DATA

LABELS = Path(__file__).resolve().parents[2] / "benchmarks" / "labels"
LANGS = ("en", "ru", "uk", "zh")


def rows(lang: str) -> list[dict]:
    text = (LABELS / f"gold_{lang}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data (later rounds drop repeats)")
@pytest.mark.parametrize("lang", LANGS)
def test_the_committed_gold_file_is_what_build_gold_makes(lang: str) -> None:
    assert rows(lang) == gold(lang)


@pytest.mark.parametrize("lang", LANGS)
def test_only_random_draws_are_scored_and_their_splits_are_the_fixed_draw(lang: str) -> None:
    found = rows(lang)
    first = [r for r in found if r.get("round", 1) == 1]
    assert [r["id"] for r in first] == sample_ids(lang, 1)
    assert {r["id"]: r["split"] for r in first} == splits(sample_ids(lang, 1), lang)
    assert Counter(r["split"] for r in first) == {"train": 360, "validation": 120, "test": 120}
    later = [r for r in found if r.get("round", 1) != 1]
    assert later, "later rounds add training rows"
    assert {r["round"] for r in later} <= set(LATER_ROUNDS)
    for round_ in LATER_ROUNDS:
        these = [r for r in later if r["round"] == round_]
        if round_ not in COMPLAINT_ROUNDS:  # picked by the tagger, not drawn: never scored
            assert {r["split"] for r in these} <= {"train"}
            continue
        if not these:
            assert lang == "en" and round_ == 5  # rounds 2-3 took every English complaint
            continue
        ids = [r["id"] for r in these]
        assert {r["id"]: r["split"] for r in these} == splits(
            ids, lang, COMPLAINT_SHARES, f":round{round_}"
        )
        assert round(Counter(r["split"] for r in these)["test"] / len(these), 2) == 0.2


@pytest.mark.parametrize("lang", LANGS)
def test_every_gold_row_was_drawn_once_and_labelled_by_both_annotators(lang: str) -> None:
    found = rows(lang)
    assert len({r["id"] for r in found}) == len(found)
    for round_ in (1, *LATER_ROUNDS):
        ids = [r["id"] for r in found if r.get("round", 1) == round_]
        if not ids:
            continue
        drawn = sample_ids(lang, round_)
        assert set(ids) <= set(drawn)
        a, b = load(lang, "A", round_), load(lang, "B", round_)
        assert all(i in a and i in b for i in ids)


@pytest.mark.parametrize("lang", LANGS)
def test_labels_use_the_taxonomy(lang: str) -> None:
    for r in rows(lang):
        assert set(r["reasons"]) <= set(REASONS)
        assert r["sentiment"] in SENTIMENTS


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data (the texts)")
@pytest.mark.parametrize("rounds", [(1, 2, 3, 4, 5), (1, 4)])
def test_no_gold_test_text_is_trained_on_whatever_rounds_a_run_reads(rounds, monkeypatch):
    """A candidate may train on fewer rounds (train_tagger --rounds ... --out): the test
    texts of the rounds it leaves out must not come back as gold training rows or through a
    public set's train or validation part (sentiment training, praise rows)."""
    from benchmarks import tagger_data as D
    from benchmarks.labels.sources import text_key

    monkeypatch.setattr(D, "TRAINED_ROUNDS", rounds)
    D.gold.cache_clear()
    try:
        for lang in LANGS:
            held = {text_key(r.text) for r in D.all_gold(lang) if r.split == "test"}
            assert held
            trained = D.gold_training(lang, "train", "validation")
            assert not held & {text_key(r.text) for r in trained}
            for name in D.TRAIN_SENTIMENT_SETS.get(lang, ()):
                public = D.only(D.sentiment_set(name), "train", "validation")
                assert not held & {text_key(r.text) for r in public}, name
    finally:
        D.gold.cache_clear()
