"""What a company model gains from 100 corrections on a language the tagger did not know well.

Run:  .venv/bin/python benchmarks/company_model_da.py [--corrections 100] [--draws 5]

Danish has no real feedback with reasons, so the experiment uses Danish sentiment. The
shipped Danish model already learned sentiment from the public Danish sets, so to stand
for "a language the tagger does not know" the starting point is the tagger **without** its
Danish model (rules + AFINN-da). A company then corrects 100 answers: 100 texts drawn at
random from the train part of the Danish political comments (their sentiment label is the
correction); 500 other train texts, labelled by that starting tagger, are the sample of
"shipped labels" (``insights.tagging.company.train``, weight 0.3). The company model is
scored on the test part of the same set and of Danish LCC (sentiment macro-F1, 3 classes),
next to the starting tagger and the shipped Danish model (trained on ~5,000 texts).
Mean and spread over --draws different draws of the 100 corrections.
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
from insights.tagging import Tagger  # noqa: E402
from insights.tagging.company import Labelled, from_json, to_json, train  # noqa: E402


def macro(tagger: Tagger, rows: Sequence[D.Row]) -> float:
    pred = [tagger.tag(r.text, lang="da").label for r in rows]
    return float(
        f1_score([r.sentiment for r in rows], pred, labels=list(D.SENTIMENTS), average="macro")
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--corrections", type=int, default=100)
    ap.add_argument("--pseudo", type=int, default=500)
    ap.add_argument("--draws", type=int, default=5)
    args = ap.parse_args(argv)
    pol = D.sentiment_set("da political comments")
    lcc = D.sentiment_set("da LCC")
    train_rows = D.only(pol, "train")
    tests = {
        "da political comments, test": D.only(pol, "test"),
        "da LCC, test": D.only(lcc, "test"),
    }
    start = Tagger(models={"da": None})  # the tagger that does not know Danish
    shipped = Tagger()
    base = {name: macro(start, rows) for name, rows in tests.items()}
    full = {name: macro(shipped, rows) for name, rows in tests.items()}
    got: dict[str, list[float]] = {name: [] for name in tests}
    cv: list[float] = []
    cv_base: list[float] = []
    kept: list[bool] = []
    for draw in range(args.draws):
        rng = random.Random(draw)
        picked = rng.sample(train_rows, args.corrections + args.pseudo)
        labels = [Labelled(r.text, None, r.sentiment) for r in picked[: args.corrections]]
        pseudo = [
            Labelled(r.text, None, start.tag(r.text, lang="da").label)
            for r in picked[args.corrections :]
        ]
        model, scores = train(
            "da", labels, pseudo, baseline_sentiment=lambda t: start.tag(t, lang="da").label
        )
        model = from_json(to_json(model))  # as stored in the database
        cv.append(scores.sentiment_macro.get("company", float("nan")))
        cv_base.append(scores.sentiment_macro.get("shipped", float("nan")))
        kept.append(model.has_sentiment)
        company = Tagger(models={"da": model})
        # the starting tagger has no Danish model: nothing to fall back on for sentiment
        company._shipped_models["da"] = None
        for name, rows in tests.items():
            got[name].append(macro(company, rows))
    print(
        f"# {args.corrections} corrections + {args.pseudo} texts labelled by the starting "
        f"tagger; {args.draws} draws; sentiment macro-F1 (3 classes)\n"
    )
    print(
        "| test set | n | without a Danish model (rules + AFINN-da) | company model, "
        f"{args.corrections} corrections (mean ± sd) | shipped Danish model (~5,000 texts) |"
    )
    print("|---|---|---|---|---|")
    for name, rows in tests.items():
        vals = got[name]
        sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
        print(
            f"| {name} | {len(rows)} | {base[name]:.3f} | {statistics.mean(vals):.3f} ± "
            f"{sd:.3f} | {full[name]:.3f} |"
        )
    print(
        f"\ncross-validated on the corrections (mean over draws): company "
        f"{statistics.mean(cv):.3f}, starting tagger {statistics.mean(cv_base):.3f}; the "
        f"company sentiment head was kept in {sum(kept)} of {len(kept)} draws (only where "
        "it beats the starting tagger in cross-validation)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
