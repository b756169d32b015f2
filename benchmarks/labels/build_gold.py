"""The gold labels: where the two annotators agree, their label; elsewhere the adjudicated one.

    python benchmarks/labels/build_gold.py    # writes benchmarks/labels/gold_<lang>.jsonl

Each gold row is {"id", "reasons", "sentiment", "split"}. Round 1's split is drawn once, at
random with a fixed seed, per language: train 60% / validation 20% / test 20%. Training and
threshold choice may read train and validation; the test split is only ever scored
(benchmarks/tagging_eval.py). If anyone looks at test errors, draw a new split (change
SPLIT_SEED) and say so in docs/tagging.md.

Later rounds follow round 1's rows, marked {"round": N}. Rounds 2, 3 and 5 are random draws
from complaints (the rows the data set marks unhappy, see sample.py): 80% train, 20% a
second test part, "complaints", drawn the same way. It is scored apart from round 1's test
rows (a draw from complaints is not the mix of texts the product meets) and gives the rarer
reasons enough test positives to be measured at all. Round 4 was picked by the tagger
(likely positives of rare reasons), not drawn at random, so it is only ever trained on.
Only texts both annotators labelled are used, and a later round's text that repeats an
earlier round's words (short answers such as "0" or "see above", or the same complaint
posted twice) is left out: it could be a test text.

Split history: "gold-split-2026-12-05" (round 1's 120 test texts per language) decided the
release of models 2026.12.2 over 2026.12.3 on 2026-12-06 (aggregates only; no error was
looked at). Since a test split that has chosen between models is no longer unseen, the
split was drawn again the same day with SPLIT_SEED "gold-split-2026-12-06", which also
added the complaints test part. Models trained on the old split cannot be scored on the
new one (they trained on most of its texts).

The complaints part is a seeded shuffle of the texts a round keeps (both annotators
labelled them, no repeat of an earlier text), not of the whole draw as round 1's is: the
annotation files of rounds 2-3 are final, and a change to them would re-draw the part
(the committed gold files, checked against this builder by the tests, would show it).

Round 5 (labelled 2026-12-06, after the split above had decided a release) gets its own
seeded draw (part ":round5"), so its 20 % test rows are texts no model and no choice has
seen: the complaints part's unseen rows, reported apart by the evaluation.
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.labels.agreement import ANNOTATIONS, label, load, sample_ids, stem
from benchmarks.labels.sources import LANGS, text_key, texts

HERE = Path(__file__).resolve().parent
SPLIT_SEED = "gold-split-2026-12-06"
LATER_ROUNDS = (2, 3, 4, 5)
SHARES = (("train", 0.6), ("validation", 0.2), ("test", 0.2))
COMPLAINT_ROUNDS = (2, 3, 5)
"""Rounds drawn at random from complaints: a share of them is a test part of its own."""
COMPLAINT_SHARES = (("train", 0.8), ("test", 0.2))


def splits(
    ids: list[str], lang: str, shares: tuple[tuple[str, float], ...] = SHARES, part: str = ""
) -> dict[str, str]:
    """A seeded shuffle of ``ids`` cut by ``shares`` (``part`` names a separate draw)."""
    order = sorted(ids)
    random.Random(f"{SPLIT_SEED}:{lang}{part}").shuffle(order)
    found: dict[str, str] = {}
    start = 0
    for n, (name, share) in enumerate(shares):
        end = len(order) if n == len(shares) - 1 else start + round(share * len(order))
        found.update({i: name for i in order[start:end]})
        start = end
    return found


def settled_labels(lang: str, round_: int) -> dict[str, dict]:
    """The adjudicated labels of a round's disagreements."""
    settled = {}
    path = ANNOTATIONS / f"{stem(lang, round_)}.adjudicated.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        settled[row["id"]] = label(row)
    return settled


def final_labels(lang: str, round_: int) -> dict[str, dict]:
    """Id -> gold label for every text both annotators labelled in a round."""
    a, b = load(lang, "A", round_), load(lang, "B", round_)
    settled = settled_labels(lang, round_)
    found = {}
    for i in sample_ids(lang, round_):
        if i in a and i in b:
            first, second = label(a[i]), label(b[i])
            found[i] = first if first == second else settled[i]
    return found


def gold(lang: str) -> list[dict]:
    by_id = texts(lang)
    first = final_labels(lang, 1)
    split = splits(sample_ids(lang, 1), lang)  # the fixed draw, whoever labelled what
    rows = [{"id": i, **final, "split": split[i]} for i, final in first.items()]
    seen = {text_key(by_id[i].text) for i in first if i in by_id}
    for round_ in LATER_ROUNDS:
        if (ANNOTATIONS / f"{stem(lang, round_)}.A.jsonl").exists():
            later = final_labels(lang, round_)
            kept = []
            for i, final in later.items():
                key = text_key(by_id[i].text) if i in by_id else None
                if key in seen:
                    continue  # the same words as an earlier text (maybe a test one): never train
                seen.add(key)
                kept.append((i, final))
            split = (
                splits([i for i, _ in kept], lang, COMPLAINT_SHARES, f":round{round_}")
                if round_ in COMPLAINT_ROUNDS
                else dict.fromkeys((i for i, _ in kept), "train")
            )
            rows += [{"id": i, **final, "split": split[i], "round": round_} for i, final in kept]
    return rows


def main() -> None:
    for lang in LANGS:
        rows = gold(lang)
        out = HERE / f"gold_{lang}.jsonl"
        out.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
        reasons = Counter(r for row in rows for r in row["reasons"])
        print(lang, len(rows), dict(Counter(r["split"] for r in rows)), dict(reasons))


if __name__ == "__main__":
    main()
