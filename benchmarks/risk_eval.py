"""Measure the explainable churn-risk score against a learned reference.

Run from the repository root:

    .venv/bin/python benchmarks/risk_eval.py [--customers N | --skip-timing]

For each public churn data set in the shared data folder (``SHARED_DATA_DIR``,
default ``<repo>/../shared/data``; the data is read in place, never copied into the
repository because the licences vary), the columns that have a meaning in the
product are mapped onto :class:`RiskSignals`, every row is scored with the product's
``score`` and the DEFAULT weights, and the result is compared with a logistic
regression trained on the same mapped columns (5-fold cross-validated, out-of-fold
predictions). A second reference, a logistic regression on every column of the
file, shows how much the product's signals leave on the table. Columns the SOURCE
files flag as (nearly) leaking the label are reported with and without.

The weights are not fitted here: they are hand-set in ``insights/risk/weights.toml``.
Finally the ranking speed is measured on synthetic customers.

scikit-learn is imported only here; the product code does not depend on it.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.stats import rankdata
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `python benchmarks/risk_eval.py` puts benchmarks/ first
    sys.path.insert(0, str(REPO))

from insights.risk import (  # noqa: E402
    FEATURES,
    RiskModel,
    RiskSignals,
    default_weights,
    feature_values,
    rank,
    score,
)
from insights.risk_fit import fit_bounded_logistic, log_loss  # noqa: E402
from insights.risk_history import L2_GRID  # noqa: E402

AS_OF = datetime(2026, 11, 24, tzinfo=UTC)
DAYS_PER_MONTH = 30.44
Row = dict[str, str]


def data_dir() -> Path:
    """``SHARED_DATA_DIR`` if set, else the shared folder next to the repository."""
    override = os.environ.get("SHARED_DATA_DIR")
    return Path(override) if override else REPO.parent / "shared" / "data"


def read_csv(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def number(text: str) -> float | None:
    text = text.strip()
    return float(text) if text else None


def percentiles(values: Sequence[float | None]) -> list[float | None]:
    """Mid-rank percentile among rows with a value: 100 x (fewer + half of equal) / n.

    The same definition the storage layer uses for ``activity_percentile``.
    """
    present = [i for i, v in enumerate(values) if v is not None]
    ranks = rankdata([values[i] for i in present], method="average")
    out: list[float | None] = [None] * len(values)
    for i, r in zip(present, ranks, strict=True):
        out[i] = 100.0 * (float(r) - 0.5) / len(present)
    return out


# --- mappings: one function per data set, returning signals and labels ------------


@dataclass(frozen=True)
class Mapped:
    signals: list[RiskSignals]
    churned: np.ndarray
    raw: list[Row]


def ecommerce(folder: Path, leaky: bool) -> Mapped:
    """E-commerce: tenure, complaint, satisfaction, order recency and rhythm."""
    rows = read_csv(folder / "E_Commerce_Dataset_E_Comm.csv")
    orders = [number(r["OrderCount"]) for r in rows]
    pct = percentiles(orders)
    signals = []
    for r, n_orders, activity in zip(rows, orders, pct, strict=True):
        tenure = number(r["Tenure"])
        signals.append(
            RiskSignals(
                as_of=AS_OF,
                mrr=0.0,
                tenure_days=None if tenure is None else tenure * DAYS_PER_MONTH,
                complaints_recent=int(r["Complain"]) if leaky else 0,
                latest_csat=int(r["SatisfactionScore"]) if leaky else None,
                days_since_last_activity=number(r["DaySinceLastOrder"]),
                usual_activity_gap_days=30.0 / n_orders if n_orders else None,
                activity_percentile=activity,
            )
        )
    return Mapped(signals, np.array([int(r["Churn"]) for r in rows]), rows)


def orange(folder: Path, leaky: bool) -> Mapped:
    """Orange telecom: account age, customer-service calls, number of calls."""
    rows = read_csv(folder / "churn-bigml-80.csv") + read_csv(folder / "churn-bigml-20.csv")
    calls = [
        sum(float(r[f"Total {part} calls"]) for part in ("day", "eve", "night", "intl"))
        for r in rows
    ]
    signals = [
        RiskSignals(
            as_of=AS_OF,
            mrr=sum(float(r[f"Total {p} charge"]) for p in ("day", "eve", "night", "intl")),
            tenure_days=float(r["Account length"]),
            support_tickets_recent=int(r["Customer service calls"]),
            activity_percentile=activity,
        )
        for r, activity in zip(rows, percentiles(calls), strict=True)
    ]
    return Mapped(signals, np.array([int(r["Churn"] == "True") for r in rows]), rows)


def iranian(folder: Path, leaky: bool) -> Mapped:
    """Iranian telecom: subscription length, complaints, call frequency, status."""
    rows = read_csv(folder / "Customer Churn.csv")
    freq = [float(r["Frequency of use"]) for r in rows]
    signals = []
    for r, n_calls, activity in zip(rows, freq, percentiles(freq), strict=True):
        signals.append(
            RiskSignals(
                as_of=AS_OF,
                mrr=0.0,
                tenure_days=float(r["Subscription  Length"]) * DAYS_PER_MONTH,
                complaints_recent=int(r["Complains"]) if leaky else 0,
                # 9 months of calls -> the customer's usual gap between calls.
                usual_activity_gap_days=270.0 / n_calls if n_calls else None,
                # Status 2 = "non-active": assumed at least a month without activity.
                days_since_last_activity=30.0 if r["Status"] == "2" else 0.0,
                activity_percentile=activity,
            )
        )
    return Mapped(signals, np.array([int(r["Churn"]) for r in rows]), rows)


def telco(folder: Path, leaky: bool, commitment: bool = True) -> Mapped:
    """IBM telco: tenure, and (optionally) contract type and payment method."""
    rows = read_csv(folder / "WA_Fn-UseC_-Telco-Customer-Churn.csv")
    manual = {"Electronic check", "Mailed check"}
    signals = [
        RiskSignals(
            as_of=AS_OF,
            mrr=Decimal(r["MonthlyCharges"]),
            tenure_days=float(r["tenure"]) * DAYS_PER_MONTH,
            monthly_contract=(r["Contract"] == "Month-to-month") if commitment else None,
            manual_payment=(r["PaymentMethod"] in manual) if commitment else None,
        )
        for r in rows
    ]
    return Mapped(signals, np.array([int(r["Churn"] == "Yes") for r in rows]), rows)


def bank(folder: Path, leaky: bool) -> Mapped:
    """Bank: tenure (years), active membership, complaint (leaky), satisfaction (flat)."""
    rows = read_csv(folder / "Customer-Churn-Records.csv")
    signals = [
        RiskSignals(
            as_of=AS_OF,
            mrr=0.0,
            tenure_days=float(r["Tenure"]) * 365.25,
            # IsActiveMember 0 taken as at least a month without activity (an assumption).
            days_since_last_activity=30.0 if r["IsActiveMember"] == "0" else 0.0,
            complaints_recent=int(r["Complain"]) if leaky else 0,
            latest_csat=int(r["Satisfaction Score"]),
        )
        for r in rows
    ]
    return Mapped(signals, np.array([int(r["Exited"]) for r in rows]), rows)


def telco_ibm(folder: Path, leaky: bool) -> Mapped:
    """IBM telco (churn reasons release): tenure, contract, payment, usage, satisfaction."""
    rows = read_csv(folder / "telco_churn_joined.csv")
    usage = percentiles([number(r["Avg Monthly GB Download"]) for r in rows])
    signals = [
        RiskSignals(
            as_of=AS_OF,
            mrr=Decimal(r["Monthly Charge"]),
            tenure_days=float(r["Tenure in Months"]) * DAYS_PER_MONTH,
            monthly_contract=r["Contract"] == "Month-to-Month",
            manual_payment=r["Payment Method"] == "Mailed Check",
            activity_percentile=pct,
            latest_csat=int(r["Satisfaction Score"]) if leaky else None,
        )
        for r, pct in zip(rows, usage, strict=True)
    ]
    return Mapped(signals, np.array([int(r["Churn Value"]) for r in rows]), rows)


@dataclass(frozen=True)
class Case:
    name: str
    variant: str
    folder: str
    load: Callable[[Path], Mapped]
    drop: frozenset[str]  # columns kept out of the all-columns reference


# Columns of the IBM file that are the outcome or were written after it.
IBM_OUTCOME_COLUMNS = frozenset(
    {"Customer ID", "Customer Status", "Churn Label", "Churn Value", "Churn Score", "CLTV",
     "Churn Category", "Churn Reason", "Status ID", "Service ID", "Location ID", "Lat Long",
     "Count", "Quarter", "Total Refunds"}
)  # fmt: skip

CASES = (
    Case(
        "ecommerce",
        "all mapped",
        "ecommerce-customer-churn",
        lambda f: ecommerce(f, True),
        frozenset({"CustomerID", "Churn"}),
    ),
    Case(
        "ecommerce",
        "w/o complaint+satisf.",
        "ecommerce-customer-churn",
        lambda f: ecommerce(f, False),
        frozenset({"CustomerID", "Churn", "Complain", "SatisfactionScore"}),
    ),
    Case(
        "orange-telecom",
        "all mapped",
        "telecom-churn-bigml-orange",
        lambda f: orange(f, True),
        frozenset({"Churn"}),
    ),
    Case(
        "iranian-telecom",
        "all mapped (leaky)",
        "iranian-telecom-churn",
        lambda f: iranian(f, True),
        frozenset({"Churn"}),
    ),
    Case(
        "iranian-telecom",
        "w/o complaints",
        "iranian-telecom-churn",
        lambda f: iranian(f, False),
        frozenset({"Churn", "Complains"}),
    ),
    Case(
        "telco-kaggle",
        "all mapped",
        "telco-customer-churn-kaggle",
        lambda f: telco(f, True),
        frozenset({"customerID", "Churn"}),
    ),
    Case(
        "telco-kaggle",
        "tenure only",
        "telco-customer-churn-kaggle",
        lambda f: telco(f, True, commitment=False),
        frozenset({"customerID", "Churn"}),
    ),
    Case(
        "bank",
        "w/o complaint",
        "bank-customer-churn-records",
        lambda f: bank(f, False),
        frozenset({"RowNumber", "CustomerId", "Surname", "Exited", "Complain"}),
    ),
    Case(
        "bank",
        "all mapped (leaky)",
        "bank-customer-churn-records",
        lambda f: bank(f, True),
        frozenset({"RowNumber", "CustomerId", "Surname", "Exited"}),
    ),
    Case(
        "telco-ibm",
        "w/o satisfaction",
        "telco-ibm-churn-reasons",
        lambda f: telco_ibm(f, False),
        frozenset(IBM_OUTCOME_COLUMNS | {"Satisfaction Score"}),
    ),
)


# --- references ------------------------------------------------------------------

SIGNAL_COLUMNS = [
    f.name
    for f in fields(RiskSignals)
    if f.name not in {"as_of", "mrr", "latest_nps_at", "latest_csat_at", "churn_reasons"}
]


def signal_matrix(signals: Sequence[RiskSignals]) -> np.ndarray:
    """The mapped signal fields as raw numbers, NaN where unknown; constant columns
    (fields a data set does not map) are dropped."""
    table = np.array(
        [
            [np.nan if getattr(s, c) is None else float(getattr(s, c)) for c in SIGNAL_COLUMNS]
            for s in signals
        ]
    )
    varying = [j for j in range(table.shape[1]) if len(np.unique(table[:, j])) > 1]
    return table[:, varying]


def raw_matrix(rows: Sequence[Row], drop: frozenset[str]) -> np.ndarray:
    """Every remaining column: numbers as numbers, text one-hot encoded."""
    columns: list[np.ndarray] = []
    for name in rows[0]:
        if name in drop:
            continue
        texts = [r[name].strip() for r in rows]
        try:
            values = np.array([float(t) if t else np.nan for t in texts])
        except ValueError:
            for level in sorted(set(texts))[1:]:
                columns.append(np.array([t == level for t in texts], dtype=float))
            continue
        columns.append(values)
    return np.column_stack(columns)


def impute(table: np.ndarray) -> np.ndarray:
    """Median for missing values plus a 0/1 "was missing" column, so that the
    reference can learn what absence means (the score treats it as no evidence)."""
    out = [table]
    for j in range(table.shape[1]):
        missing = np.isnan(table[:, j])
        if missing.any():
            table[missing, j] = np.nanmedian(table[:, j])
            out.append(missing[:, None].astype(float))
    return np.hstack(out)


def cv_logistic(table: np.ndarray, churned: np.ndarray) -> np.ndarray:
    """Out-of-fold churn probabilities from a 5-fold cross-validated logistic regression."""
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    return cross_val_predict(
        model, impute(table.copy()), churned, cv=folds, method="predict_proba"
    )[:, 1]


def top_decile_capture(risk: np.ndarray, churned: np.ndarray) -> float:
    """Share of all churners inside the top 10% of the list.

    Integer scores tie a lot; a tie straddling the cut counts pro rata, which is what
    a random order within the tie would give on average.
    """
    k = int(np.ceil(0.10 * len(risk)))
    cut = np.sort(risk)[::-1][k - 1]
    above = risk > cut
    tied = risk == cut
    caught = churned[above].sum() + churned[tied].sum() * (k - above.sum()) / tied.sum()
    return float(caught / churned.sum())


# --- output ----------------------------------------------------------------------


def evaluate(case: Case, root: Path) -> list[str]:
    mapped = case.load(root / case.folder)
    weights = default_weights()
    scores = np.array([score(s, weights).score for s in mapped.signals], dtype=float)
    y = mapped.churned
    reference = cv_logistic(signal_matrix(mapped.signals), y)
    everything = cv_logistic(raw_matrix(mapped.raw, case.drop), y)
    auc = roc_auc_score(y, scores)
    ref_auc = roc_auc_score(y, reference)
    return [
        case.name,
        case.variant,
        f"{len(y):,}",
        f"{100 * y.mean():.1f}",
        f"{scores.mean():.1f}",
        f"{auc:.3f}",
        f"{ref_auc:.3f}",
        f"{auc - ref_auc:+.3f}",
        f"{100 * top_decile_capture(scores, y):.0f}%",
        f"{100 * top_decile_capture(reference, y):.0f}%",
        f"{roc_auc_score(y, everything):.3f}",
    ]


HEADER = [
    "data set",
    "variant",
    "rows",
    "churn%",
    "mean score",
    "score AUC",
    "LR AUC",
    "gap",
    "top10% score",
    "top10% LR",
    "LR all-cols AUC",
]


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "| " + " | ".join("-" * w for w in widths) + " |"
    for i, r in enumerate([header, *rows]):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
        if i == 0:
            print(line)


def synthetic(n: int) -> list[tuple[float, ...]]:
    """Raw values of plausible-looking customers for the speed check (fixed seed)."""
    rnd = random.Random(0)
    plans = [19.0, 49.0, 99.0, 249.0, 999.0]
    return [
        (
            rnd.choice(plans),
            rnd.uniform(0, 1500),
            rnd.randint(0, 10) if rnd.random() < 0.4 else -1,
            rnd.uniform(0, 400),
            rnd.expovariate(1 / 10),
            rnd.expovariate(1 / 7),
            rnd.randint(0, 6),
            1 if rnd.random() < 0.05 else 0,
            rnd.randrange(40),
        )
        for _ in range(n)
    ]


#: Which RiskSignals fields feed each term of the score, for the per-signal view.
TERM_FIELDS: dict[str, tuple[str, ...]] = {
    "tenure": ("tenure_days",),
    "recency": ("days_since_last_activity", "usual_activity_gap_days"),
    "activity": ("activity_percentile",),
    "csat": ("latest_csat",),
    "complaints": ("complaints_recent",),
    "support_tickets": ("support_tickets_recent",),
    "monthly_contract": ("monthly_contract",),
    "manual_payment": ("manual_payment",),
}


def per_signal(case: Case, root: Path) -> list[list[str]]:
    """Each term of the score alone vs a CV logistic regression on its fields alone.

    Shows where the gap to the reference comes from: a term far below its one-column
    regression means the data set rewards using that column in the opposite direction
    (or its missing values) in a way the monotone score refuses to.
    """
    mapped = case.load(root / case.folder)
    weights = default_weights()
    y = mapped.churned
    terms = [score(s, weights).log_odds for s in mapped.signals]
    out = []
    for term, names in TERM_FIELDS.items():
        table = np.array(
            [
                [np.nan if getattr(s, n) is None else float(getattr(s, n)) for n in names]
                for s in mapped.signals
            ]
        )
        if all(len(np.unique(table[:, j])) < 2 for j in range(table.shape[1])):
            continue
        alone = roc_auc_score(y, [t.get(term, 0.0) for t in terms])
        reference = roc_auc_score(y, cv_logistic(table, y))
        out.append([case.name, case.variant, term, f"{alone:.3f}", f"{reference:.3f}"])
    return out


# --- the fitted model (what `retention-bot risk fit` learns) vs CV references -----------


def product_features(signals: Sequence[RiskSignals]) -> sparse.csr_matrix:
    """The product's monotone features, exactly as scoring and training compute them."""
    weights = default_weights()
    rows, cols, vals = [], [], []
    for r, s in enumerate(signals):
        for i, v in feature_values(s, weights):
            rows.append(r)
            cols.append(i)
            vals.append(v)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(signals), len(FEATURES)))


def _folds(y: np.ndarray, k: int, seed: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    yield from StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(
        np.zeros(len(y)), y
    )


def cv_fitted(x: sparse.csr_matrix, y: np.ndarray) -> np.ndarray:
    """Out-of-fold probabilities of the product's bounded logistic regression; the L2
    strength is chosen inside each training fold (3-fold log loss), as a fit would."""
    out = np.zeros(len(y))
    for train, test in _folds(y, 5, 0):
        best, best_loss = L2_GRID[0], np.inf
        for l2 in L2_GRID:
            losses = []
            for inner_train, inner_test in _folds(y[train], 3, 1):
                fit = fit_bounded_logistic(x[train][inner_train], y[train][inner_train], l2)
                z = fit.intercept + x[train][inner_test] @ fit.coefficients
                losses.append(log_loss(y[train][inner_test], 1 / (1 + np.exp(-z))))
            if np.mean(losses) < best_loss:
                best, best_loss = l2, float(np.mean(losses))
        fit = fit_bounded_logistic(x[train], y[train], best)
        out[test] = 1 / (1 + np.exp(-(fit.intercept + x[test] @ fit.coefficients)))
    return out


def cv_boosting(table: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Out-of-fold probabilities of gradient boosting on the same mapped signal fields."""
    model = HistGradientBoostingClassifier(
        max_iter=300, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0,
        early_stopping=False, random_state=0,
    )  # fmt: skip
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    return cross_val_predict(model, table, y, cv=folds, method="predict_proba")[:, 1]


def explain_one(x: sparse.csr_matrix, y: np.ndarray, signals: Sequence[RiskSignals]) -> str:
    """The reasons the fitted model gives its riskiest customer (fit on all rows)."""
    fit = fit_bounded_logistic(x, y, L2_GRID[1])
    coefficients = {
        name: float(c) for (name, _), c in zip(FEATURES, fit.coefficients, strict=True) if c > 0
    }
    model = RiskModel("fitted", 30, fit.intercept, coefficients)
    z = fit.intercept + x @ fit.coefficients
    top = signals[int(np.argmax(z))]
    assessment = model.assess(top, default_weights())
    parts = [f"{c.reason} (+{100 * c.probability:.0f} pts)" for c in assessment.contributions[:3]]
    return f"{100 * assessment.probability:.0f}%: " + "; ".join(parts)


def evaluate_fitted(case: Case, root: Path) -> tuple[list[str], str]:
    mapped = case.load(root / case.folder)
    y = mapped.churned.astype(float)
    x = product_features(mapped.signals)
    fitted = cv_fitted(x, y)
    table = signal_matrix(mapped.signals)
    lr = cv_logistic(table, mapped.churned)
    gb = cv_boosting(table, mapped.churned)
    hand = np.array([score(s).probability for s in mapped.signals])
    best = max(roc_auc_score(y, lr), roc_auc_score(y, gb))
    auc = roc_auc_score(y, fitted)

    def brier(p: np.ndarray) -> str:
        return f"{np.mean((p - y) ** 2):.4f}"

    row = [
        case.name,
        case.variant,
        f"{len(y):,}",
        f"{100 * y.mean():.1f}",
        f"{roc_auc_score(y, hand):.3f}",
        f"{auc:.3f}",
        brier(fitted),
        f"{fitted.mean() / y.mean():.2f}",
        f"{roc_auc_score(y, lr):.3f}",
        brier(lr),
        f"{roc_auc_score(y, gb):.3f}",
        brier(gb),
        f"{auc - best:+.3f}",
    ]
    return row, explain_one(x, y, mapped.signals)


FITTED_HEADER = [
    "data set",
    "variant",
    "rows",
    "churn%",
    "hand-set AUC",
    "fitted AUC",
    "fitted Brier",
    "fitted calib.",
    "LR AUC",
    "LR Brier",
    "GB AUC",
    "GB Brier",
    "gap to best",
]


def time_ranking(n: int) -> None:
    """Time rank() on prebuilt signals, and on a generator that builds them on the fly
    (how the storage layer should call it: the signals are then built while rank()
    holds the cyclic garbage collector off)."""
    values = synthetic(n)
    reasons = ("price", "competitor", "bugs", "support")

    def customers() -> Iterator[tuple[int, RiskSignals]]:
        for i, (mrr, tenure, nps, nps_age, silent, gap, tickets, failed, tag) in enumerate(values):
            yield (
                i,
                RiskSignals(
                    as_of=AS_OF,
                    mrr=mrr,
                    tenure_days=tenure,
                    latest_nps=None if nps < 0 else int(nps),
                    latest_nps_at=AS_OF - timedelta(days=nps_age),
                    days_since_last_activity=silent,
                    usual_activity_gap_days=gap,
                    support_tickets_recent=int(tickets),
                    failed_payments_recent=int(failed),
                    churn_reasons=(reasons[int(tag)],) if tag < len(reasons) else (),
                ),
            )

    started = time.perf_counter()
    prebuilt = list(customers())
    built_in = time.perf_counter() - started
    started = time.perf_counter()
    ranked = rank(prebuilt)
    ranked_in = time.perf_counter() - started
    del prebuilt
    started = time.perf_counter()
    rank(customers())
    streamed_in = time.perf_counter() - started
    first = ranked[0].assessment
    print(
        f"\nrank(): {n:,} synthetic customers scored and ordered in {ranked_in:.2f} s "
        f"(building the list of RiskSignals first took {built_in:.2f} s); "
        f"{streamed_in:.2f} s for both together with a generator passed to rank(). "
        f"Top: score {first.score}, {ranked[0].revenue_at_risk} at risk, "
        f"{'; '.join(first.top_reasons())}."
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--customers", type=int, default=1_000_000, help="synthetic customers for the speed check"
    )
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument(
        "--fitted-only",
        action="store_true",
        help="only the fitted model vs the CV references (skip the hand-set score table)",
    )
    parser.add_argument(
        "--per-signal",
        action="store_true",
        help="also show each score term alone vs a one-signal regression",
    )
    args = parser.parse_args(argv)
    root = data_dir()
    if not root.is_dir():
        print(f"data folder not found: {root} (set SHARED_DATA_DIR)", file=sys.stderr)
        return 2
    print(
        f"Churn-risk score vs logistic regression, {datetime.now(UTC):%Y-%m-%d}, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores, data {root}"
    )
    print(
        "score = product score, default weights (hand-set, not fitted); "
        "LR = 5-fold CV logistic regression on the same mapped signals\n"
    )
    print(
        "Fitted = the product's bounded (monotone) logistic regression on its own features, "
        "5-fold CV, L2 chosen inside each training fold; LR and GB (gradient boosting, "
        "not monotone) = 5-fold CV on the same mapped signal fields; calib. = mean "
        "predicted / observed churn\n"
    )
    rows, examples = [], []
    for case in CASES:
        row, example = evaluate_fitted(case, root)
        rows.append(row)
        examples.append(f"- {case.name} ({case.variant}): {example}")
    print_table(FITTED_HEADER, rows)
    print("\nRiskiest customer of each set, as the fitted model explains it:")
    print("\n".join(examples))
    if args.fitted_only:
        return 0
    print()
    print_table(HEADER, [evaluate(case, root) for case in CASES])
    if args.per_signal:
        print("\nPer signal: AUC of the score's term alone vs 5-fold CV LR on its fields alone\n")
        rows = [row for case in CASES for row in per_signal(case, root)]
        print_table(["data set", "variant", "term", "term AUC", "LR AUC"], rows)
    if not args.skip_timing:
        time_ranking(args.customers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
