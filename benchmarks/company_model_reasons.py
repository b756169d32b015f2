"""What 100 staff corrections of reasons buy on a language the tagger did not know well.

Run:  .venv/bin/python benchmarks/company_model_reasons.py [--lang ru] [--corrections 100 400]
      [--draws 5]

Russian stands for "a language the tagger knows badly": the starting tagger is the
shipped one **without** its Russian model (the Russian rules alone; held-out reason
macro-F1 0.33). A company's staff then correct the reasons of N answers: N texts drawn at
random from the Russian gold labels' training rows (every round: what staff correct is
mostly complaints, as rounds 2-5 are), their gold reasons being the corrections. 500 other
training texts, tagged by the starting tagger, are the sample of "shipped labels"
(``insights.tagging.company.train``, weight 0.3), as `retention-bot tagger train` does.
The company model is scored on the gold **test** split (both parts: round 1's random draw
and the complaints part of rounds 2, 3 and 5, never trained on; round 5 joined it on
2026-12-06, so figures before then are on fewer rows): reason macro-F1 over the reasons
with >= 5 test positives, as benchmarks/tagging_eval.py counts it for "both", next to the
starting tagger and the shipped Russian model. Mean and spread over --draws draws.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sklearn.metrics import f1_score  # noqa: E402

from benchmarks import tagger_data as D  # noqa: E402
from insights.tagging import REASON_KEYS, Tagger  # noqa: E402
from insights.tagging.company import Labelled, from_json, to_json, train  # noqa: E402

MIN_TEST_POSITIVES = 5


def macro(tagger: Tagger, rows: Sequence[D.Row], lang: str, keys: Sequence[str]) -> float:
    pred = [set(tagger.tag(r.text, lang=lang).reasons) for r in rows]
    gold = [r.reasons or frozenset() for r in rows]
    scores = [
        f1_score([k in g for g in gold], [k in p for p in pred], zero_division=0) for k in keys
    ]
    return float(statistics.mean(scores))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--lang", default="ru", choices=D.GOLD_LANGS)
    ap.add_argument("--corrections", type=int, nargs="+", default=[100, 400])
    ap.add_argument("--pseudo", type=int, default=500)
    ap.add_argument("--draws", type=int, default=5)
    args = ap.parse_args(argv)
    lang = args.lang
    gold = D.gold(lang)
    pool = D.only(gold, "train", "validation")
    test = D.only(gold, "test")
    keys = [
        k for k in REASON_KEYS if sum(k in (r.reasons or ()) for r in test) >= MIN_TEST_POSITIVES
    ]
    start = Tagger(models={lang: None})  # the tagger that does not know the language
    shipped = Tagger()
    base = macro(start, test, lang, keys)
    full = macro(shipped, test, lang, keys)
    results: dict[int, list[float]] = {}
    for n in args.corrections:
        results[n] = []
        for draw in range(args.draws):
            picked = random.Random(f"{lang}:{n}:{draw}").sample(pool, n + args.pseudo)
            labels = [Labelled(r.text, r.reasons, None) for r in picked[:n]]
            pseudo = [
                Labelled(r.text, frozenset(start.tag(r.text, lang=lang).reasons), None)
                for r in picked[n:]
            ]
            model, _scores = train(
                lang,
                labels,
                pseudo,
                rule_reasons=lambda t: start.tag(t, lang=lang).reasons,
                shipped_reasons=lambda t: start.tag(t, lang=lang).reasons,
            )
            company = Tagger(models={lang: from_json(to_json(model))})  # as stored
            results[n].append(macro(company, test, lang, keys))
            print(f"  {n} corrections, draw {draw}: {results[n][-1]:.3f}", file=sys.stderr)
    print(
        f"# {lang}: reason macro-F1 on the gold test split ({len(test)} texts; reasons "
        f"{', '.join(keys)}); {args.pseudo} texts labelled by the starting tagger; "
        f"{args.draws} draws\n"
    )
    cols = " | ".join(f"company model, {n} corrections (mean ± sd)" for n in args.corrections)
    print(f"| starting tagger (rules, no {lang} model) | {cols} | shipped {lang} model |")
    print("|---" * (len(args.corrections) + 2) + "|")
    cells = []
    for n in args.corrections:
        vals = results[n]
        sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
        cells.append(f"{statistics.mean(vals):.3f} ± {sd:.3f}")
    print(f"| {base:.3f} | {' | '.join(cells)} | {full:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
