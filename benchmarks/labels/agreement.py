"""Agreement of the two annotators, per language and reason, and the disagreements to settle.

    python benchmarks/labels/agreement.py                 # the table (docs/labelling.md)
    python benchmarks/labels/agreement.py --disagreements DIR   # DIR/<lang>.jsonl to adjudicate
    python benchmarks/labels/agreement.py --round 2       # round 2 (<lang>.r2.A.jsonl, ...)

Reason agreement is the F1 of annotator B's tags against annotator A's (symmetric: the same
as A against B); sentiment agreement is Cohen's kappa.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.labels.sources import LANGS, texts

HERE = Path(__file__).resolve().parent
ANNOTATIONS = HERE / "annotations"
REASONS = (
    "price", "support", "missing_features", "bugs", "usability",
    "competitor", "no_need", "billing", "neglect", "external",
)  # fmt: skip
SENTIMENTS = ("negative", "neutral", "positive")


def stem(lang: str, round_: int = 1) -> str:
    """File-name stem of a round's files: `en` for round 1, `en.r2` for round 2."""
    return lang if round_ == 1 else f"{lang}.r{round_}"


def ids_file(lang: str, round_: int = 1) -> Path:
    """A round's committed draw (sample.py writes it)."""
    return HERE / f"sample_{stem(lang, round_)}.ids"


def sample_ids(lang: str, round_: int = 1) -> list[str]:
    return ids_file(lang, round_).read_text(encoding="utf-8").split()


def load(lang: str, who: str, round_: int = 1) -> dict[str, dict]:
    rows = {}
    path = ANNOTATIONS / f"{stem(lang, round_)}.{who}.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows[row["id"]] = row
    return rows


def label(row: dict) -> dict:
    return {"reasons": sorted(set(row["reasons"])), "sentiment": row["sentiment"]}


def kappa(a: list[str], b: list[str]) -> float:
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def f1(a: list[set[str]], b: list[set[str]], reason: str) -> tuple[float | None, int, int]:
    tp = sum(reason in x and reason in y for x, y in zip(a, b, strict=True))
    na = sum(reason in x for x in a)
    nb = sum(reason in y for y in b)
    if na + nb == 0:
        return None, 0, 0
    return 2 * tp / (na + nb), na, nb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disagreements", type=Path)
    parser.add_argument("--round", type=int, choices=(1, 2, 3, 4, 5), default=1, dest="round_")
    args = parser.parse_args()
    print("| lang | n | " + " | ".join(REASONS) + " | macro | exact set | sentiment κ |")
    print("|---" * (len(REASONS) + 5) + "|")
    for lang in LANGS:
        if not (ANNOTATIONS / f"{stem(lang, args.round_)}.A.jsonl").exists():
            print(f"| {lang} | 0 | " + " | ".join(["–"] * (len(REASONS) + 3)) + " |")
            continue
        a, b = load(lang, "A", args.round_), load(lang, "B", args.round_)
        ids = [i for i in sample_ids(lang, args.round_) if i in a and i in b]
        ra = [set(a[i]["reasons"]) for i in ids]
        rb = [set(b[i]["reasons"]) for i in ids]
        cells, scores = [], []
        for reason in REASONS:
            score, na, nb = f1(ra, rb, reason)
            if score is None:
                cells.append("–")
            else:
                cells.append(f"{score:.2f} ({na}/{nb})")
                scores.append(score)
        exact = sum(x == y for x, y in zip(ra, rb, strict=True)) / len(ids)
        k = kappa([a[i]["sentiment"] for i in ids], [b[i]["sentiment"] for i in ids])
        macro = sum(scores) / len(scores)
        row = " | ".join(cells)
        print(f"| {lang} | {len(ids)} | {row} | {macro:.2f} | {exact:.2f} | {k:.2f} |")
        if args.disagreements:
            args.disagreements.mkdir(parents=True, exist_ok=True)
            source = texts(lang)
            with (args.disagreements / f"{lang}.jsonl").open("w", encoding="utf-8") as out:
                for i in ids:
                    first, second = label(a[i]), label(b[i])
                    if first != second:
                        entry = {"id": i, "text": source[i].text, "label_1": first,
                                 "label_2": second}  # fmt: skip
                        out.write(json.dumps(entry, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
