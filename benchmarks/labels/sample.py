"""Draw the texts to label, at random with a fixed seed (not picked).

    python benchmarks/labels/sample.py            # round 1: benchmarks/labels/sample_<lang>.ids
    python benchmarks/labels/sample.py --round 2  # round 2: sample_<lang>.r2.ids (3, 4 likewise)
    python benchmarks/labels/sample.py --texts DIR  # also DIR/<lang>.jsonl for annotators

Round 1 (600 per language) draws from the whole pool; Russian half from the telecom
tweets and half from the bank tweets. It has validation and test rows (build_gold.py).

Rounds 2 and 3 (400 and 600 per language; English has 513 left for round 3; 20 % of each
is a "complaints" test part since 2026-12-06, the rest trains)
draw from the rows the data set itself marks as unhappy (English NPS 0-6, Russian tweets
marked -1, Ukrainian "negative", Chinese 0), leaving out earlier rounds' texts. Why: in
round 1 most reasons had 5-40 positives in training, because a random draw is mostly
praise and neutral text; a draw from complaints buys several times more reason positives
per text labelled. The data set's mark only chooses
the pool: annotators never see it, and they label reasons and sentiment as in round 1.

Round 4 (500 per language where the pool allows, training only) aims at the reasons that
still had few training positives after round 3 (fewer than RARE_BELOW in train +
validation): for each such reason, the unlabelled texts are ranked by how likely the
shipped tagger makes that reason (the learned model's probability, plus 1 where a rule
fires), and the reason's share of the round is drawn at random from its top
CANDIDATES_PER_PICK x share. This is uncertainty-free "likely positive" sampling: it finds
real positives of rare reasons and the texts the tagger would wrongly give them (hard
negatives), which a random draw finds a few at a time. Only texts in the public sets'
training part are drawn (``tagger_data.split_of``), so no validation or test part changes.

Round 5 (2026-12-06) is a third random draw from complaints, as rounds 2 and 3 (up to 600
per language; what was left of the pool: Russian 413 drawn (412 distinct texts), Ukrainian
206 (205), Chinese 600 of 994, English none, since
rounds 2 and 3 took every English NPS 0-6 comment). The rare reasons were still held back
by a few dozen positives; round 4's picked sample fed them but is not a random draw, so it
trains only, while a random draw also gives the complaints test part more rows.

The id lists are committed; the texts are not (they stay in ../shared/data).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.labels.agreement import ids_file, sample_ids
from benchmarks.labels.sources import LANGS, texts

HERE = Path(__file__).resolve().parent
SEED = 20261205
PER_LANGUAGE = 600
UNHAPPY_PER_LANGUAGE = {2: 400, 3: 600, 5: 600}
"""Texts per language in each round drawn from complaints (fewer where the pool runs out)."""
TARGETED_PER_LANGUAGE = 500
RARE_BELOW = 300
"""Round 4 aims at reasons with fewer gold training positives than this."""
CANDIDATES_PER_PICK = 3
PUBLIC_SET = {"en": "nps", "ru": "sentirueval", "uk": "uk-reviews", "zh": "htl"}
"""The tagger_data split name of each language's source set (round 4 draws train parts)."""
UNHAPPY = {
    "en": lambda mark: mark.isdigit() and int(mark) <= 6,
    "ru": lambda mark: "-1" in mark.split(","),
    "uk": lambda mark: mark == "negative",
    "zh": lambda mark: mark == "0",
}


def draw(lang: str) -> list[str]:
    pool = sorted(texts(lang))
    rng = random.Random(f"{SEED}:{lang}")
    if lang == "ru":
        half = PER_LANGUAGE // 2
        tkk = [i for i in pool if i.startswith("tkk:")]
        banks = [i for i in pool if i.startswith("banks:")]
        chosen = rng.sample(tkk, half) + rng.sample(banks, PER_LANGUAGE - half)
        rng.shuffle(chosen)
        return chosen
    return rng.sample(pool, PER_LANGUAGE)


def draw_unhappy(lang: str, round_: int) -> list[str]:
    """Rounds 2 and 3: unhappy rows by the data set's own mark, none of an earlier round's."""
    by_id = texts(lang)
    earlier = set()
    for r in range(1, round_):
        earlier.update(sample_ids(lang, r))
    pool = sorted(i for i, t in by_id.items() if i not in earlier and UNHAPPY[lang](t.source_label))
    k = min(UNHAPPY_PER_LANGUAGE[round_], len(pool))
    return random.Random(f"{SEED}:round{round_}:{lang}").sample(pool, k)


def draw_targeted(lang: str, round_: int = 4) -> list[str]:
    """Round 4: likely positives of the language's rare reasons, by the shipped tagger."""
    from collections import Counter

    from benchmarks import tagger_data as D
    from benchmarks.labels.sources import text_key
    from insights.tagging import Tagger

    by_id = texts(lang)
    labelled = set()
    for r in range(1, round_):
        labelled.update(sample_ids(lang, r))
    seen = {text_key(by_id[i].text) for i in labelled if i in by_id}
    pool = sorted(
        i
        for i, t in by_id.items()
        if i not in labelled
        and text_key(t.text) not in seen
        and D.split_of(PUBLIC_SET[lang], text_key(t.text)) == "train"
    )
    counts = Counter(
        r for row in D.gold(lang) if row.split in ("train", "validation") for r in row.reasons
    )
    tagger = Tagger.default()
    model = tagger.model(lang)
    assert model is not None, f"no shipped model for {lang}"
    rare = sorted((k for k in model.reason_keys if counts[k] < RARE_BELOW), key=counts.__getitem__)
    pool_texts = [by_id[i].text for i in pool]
    probs = model.predict_many(pool_texts)
    rules = [set(tagger.rule_reasons(t, lang)) for t in pool_texts]
    rng = random.Random(f"{SEED}:round{round_}:{lang}")
    total = min(TARGETED_PER_LANGUAGE, len(pool))
    chosen: list[str] = []
    taken: set[str] = set()
    for n, reason in enumerate(rare):
        share = (total - len(chosen)) // (len(rare) - n)
        score = {
            i: p.reasons.get(reason, 0.0) + (1.0 if reason in hit else 0.0)
            for i, p, hit in zip(pool, probs, rules, strict=True)
            if i not in taken
        }
        top = sorted(score, key=lambda i: (-score[i], i))[: CANDIDATES_PER_PICK * share]
        picked = rng.sample(top, min(share, len(top)))
        chosen.extend(picked)
        taken.update(picked)
    rng.shuffle(chosen)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, help="also write the texts for annotators here")
    parser.add_argument("--round", type=int, choices=(1, 2, 3, 4, 5), default=1, dest="round_")
    args = parser.parse_args()
    for lang in LANGS:
        if args.round_ == 1:
            ids = draw(lang)
        elif args.round_ == 4:
            ids = draw_targeted(lang)
        else:
            ids = draw_unhappy(lang, args.round_)
        if not ids:
            print(f"{lang}: no text left to draw in round {args.round_}")
            continue
        ids_file(lang, args.round_).write_text("\n".join(ids) + "\n", encoding="utf-8")
        if args.texts:
            args.texts.mkdir(parents=True, exist_ok=True)
            by_id = texts(lang)
            with (args.texts / f"{lang}.jsonl").open("w", encoding="utf-8") as out:
                for i in ids:
                    row = {"id": i, "text": by_id[i].text}
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{lang}: {len(ids)} texts")


if __name__ == "__main__":
    main()
