"""Draw the texts to label: 600 per language at random with a fixed seed (not picked).

    python benchmarks/labels/sample.py            # writes benchmarks/labels/sample_<lang>.ids
    python benchmarks/labels/sample.py --texts DIR  # also DIR/<lang>.jsonl for annotators

The id lists are committed; the texts are not (they stay in ../shared/data). Russian draws
half from the telecom tweets and half from the bank tweets.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.labels.sources import LANGS, texts

HERE = Path(__file__).resolve().parent
SEED = 20261205
PER_LANGUAGE = 600


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, help="also write the texts for annotators here")
    args = parser.parse_args()
    for lang in LANGS:
        ids = draw(lang)
        (HERE / f"sample_{lang}.ids").write_text("\n".join(ids) + "\n", encoding="utf-8")
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
