"""Sentiment of two model sets on the public test rows neither of them trained on.

    .venv/bin/python benchmarks/sentiment_unseen_rows.py --models OLD_DIR NEW_DIR [--round 5]

When a labelling round is added, its test texts are moved into the public sets' test parts
(a gold test text is never trained on). A model trained before the round was drawn may have
seen some of them, with their data set's own label, through the public train and
validation parts; comparing it with a newer model on the whole test part would flatter the
older one. This prints each set's macro-F1 on the whole test part and on the test part
less the round's gold texts, for both model sets (``--models``: folders of
``<lang>.npz``, e.g. the previous release's models from git and a candidate's).

To get an earlier release's models: ``git show COMMIT:insights/tagging/data/model/ru.npz >
DIR/ru.npz`` for each language.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import tagger_data as D
from benchmarks.labels.sources import text_key
from benchmarks.tagging_eval import MODEL_LANGS, Ours, sentiment_labels


def macro_f1(ours: Ours, rows: Sequence[D.Row], lang: str, labels: Sequence[str]) -> float:
    """Scored as benchmarks/tagging_eval.py scores "ours (rules+model)"."""
    pred = sentiment_labels([ours.tag(r.text, lang, True) for r in rows], labels)
    gold = [r.sentiment for r in rows]
    return float(f1_score(gold, pred, labels=list(labels), average="macro", zero_division=0))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--models", nargs=2, type=Path, required=True, metavar=("OLD", "NEW"))
    ap.add_argument("--round", type=int, default=5, dest="round_", help="gold round (default 5)")
    args = ap.parse_args(argv)
    for folder in args.models:
        missing = [lang for lang in MODEL_LANGS if not (folder / f"{lang}.npz").is_file()]
        if missing:
            ap.error(f"--models {folder}: no model for {', '.join(missing)} there")
    old, new = (Ours(folder) for folder in args.models)
    drawn = {
        text_key(r.text)
        for lang in D.GOLD_LANGS
        for r in D.all_gold(lang)
        if r.round == args.round_
    }
    print(f"| set | n test | round {args.round_} texts left out | old: all | old: unseen "
          "| new: all | new: unseen |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name, (lang, _loader, labels) in D.SENTIMENT_SETS.items():
        test = D.only(D.sentiment_set(name), "test")
        unseen = [r for r in test if text_key(r.text) not in drawn]
        if len(unseen) == len(test):
            continue  # the round drew nothing from this set
        cells = [name, len(test), len(test) - len(unseen)]
        for ours in (old, new):
            cells += [f"{macro_f1(ours, rows, lang, labels):.3f}" for rows in (test, unseen)]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
