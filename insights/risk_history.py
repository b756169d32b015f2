"""Learning churn risk from the company's own history, without looking into the future.

1. **Snapshots.** Every `step_days` (14) over the last `history_days` (540), take the
   customers who were active *as known that day*, compute their signals as of that day
   with the list's own code (`insights.at_risk.signals_as_of`: every query bounded by the
   date), and label each row by whether the customer churned within `horizon_days` after
   it. Only dates whose outcome is fully known today are used: `t + horizon + grace <= now`.
2. **Fit.** With at least `min_churners` (50) churn episodes in the snapshots, a logistic
   regression on the monotone features (coefficients >= 0, L2 chosen on a time split);
   with fewer, the shipped hand-set points recalibrated to the observed churn (Platt).
3. **Backtest.** For each of the last `backtest_cutoffs` snapshot dates `c`: fit on the
   snapshots whose outcome was known at `c` (`t + horizon + grace <= c`), score the
   customers active at `c`, compare with what happened. The figures are pooled.
4. **Adopt or not.** A refit is stored either way; it is adopted only if its backtest is
   not worse than the model in use, scored on the same customers and dates among the
   cut-offs after the model in use's training window (so neither has seen them); when
   there is no such cut-off yet (a refit right after the last), against the stored
   backtest of the model in use.

"Active as known that day": a customer counts from `signed_up_at`, and stops counting when
a churn became known: a cancellation (or inactivity) at its date, a payment failure only
when its grace period ran out (until then they are active with an unpaid failure, exactly
as the list sees them). A row is positive when a churn episode not yet known at `t` starts
by `t + horizon` (so a customer in their grace period at `t` who does churn is positive).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from scipy import sparse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from insights.at_risk import signals_as_of
from insights.risk import (
    FEATURES,
    RiskModel,
    Weights,
    feature_values,
    hand_set_model,
    recalibrated_model,
)
from insights.risk.features import FEATURE_INDEX, HAND_FEATURES
from insights.risk_fit import evaluate, fit_bounded_logistic, fit_platt
from insights.risk_store import adopted_model, save_model
from storage.models import Churn, Customer, Event

L2_GRID = (1.0, 10.0, 100.0)
# A refit is "worse" when its pooled Brier score is higher by more than this share, or
# its AUC lower by more than AUC_TOLERANCE, than the model in use on the same rows.
BRIER_TOLERANCE = 0.005
AUC_TOLERANCE = 0.01
# Against the stored backtest of the model in use (other dates): looser.
STORED_BRIER_TOLERANCE = 0.05
STORED_AUC_TOLERANCE = 0.02


@dataclass(frozen=True)
class HistoryConfig:
    horizon_days: int = 30
    step_days: int = 14
    history_days: int = 540
    grace_days: int = 14  # PAYMENT_GRACE_DAYS: when a payment churn becomes known
    min_churners: int = 50
    backtest_cutoffs: int = 3
    max_rows: int = 400_000  # above this, a fixed random subset of customers is used
    warmup_days: int = 30  # no snapshot before the data has this much history
    # Recent snapshots weigh more: a row's weight halves every this many days back from the
    # newest snapshot fitted on (a company's churn drifts; 0 = all rows weigh the same).
    half_life_days: int = 90

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.horizon_days)

    @property
    def resolve(self) -> timedelta:
        """How long after a snapshot its outcome is fully known."""
        return timedelta(days=self.horizon_days + self.grace_days)


@dataclass
class Snapshots:
    dates: list[datetime]
    date_index: np.ndarray  # per row: index into dates
    customer_id: np.ndarray
    x: sparse.csr_matrix  # rows x FEATURES
    y: np.ndarray  # 1 = churned within the horizon
    episode: np.ndarray  # per positive row, an id of the churn episode; -1 otherwise
    mrr: np.ndarray
    hand_log_odds: np.ndarray  # the hand-set score's log-odds
    sampled: float = 1.0  # share of customers used
    seconds: float = 0.0

    def rows(self, mask: np.ndarray) -> Snapshots:
        return Snapshots(
            self.dates,
            self.date_index[mask],
            self.customer_id[mask],
            self.x[np.flatnonzero(mask)],
            self.y[mask],
            self.episode[mask],
            self.mrr[mask],
            self.hand_log_odds[mask],
            self.sampled,
        )

    @property
    def churners(self) -> int:
        """Distinct churn episodes among the positive rows."""
        return len(np.unique(self.episode[self.episode >= 0]))

    def before(self, cutoff: datetime, resolve: timedelta) -> np.ndarray:
        """Rows whose outcome was known at `cutoff`."""
        known = np.array([d + resolve <= cutoff for d in self.dates], dtype=bool)
        return np.asarray(known[self.date_index]) if len(self.dates) else np.zeros(0, bool)

    def at(self, date: datetime) -> np.ndarray:
        return np.asarray(self.date_index == self.dates.index(date))


@dataclass(frozen=True)
class _Episode:
    key: int
    churned_at: datetime
    known_at: datetime
    reactivated_at: datetime | None


def snapshot_dates(
    first_data: datetime | None, now: datetime, config: HistoryConfig
) -> list[datetime]:
    """Snapshot dates, oldest first: every `step_days` back from the newest resolved one."""
    if first_data is None:
        return []
    last = (now - config.resolve).replace(hour=0, minute=0, second=0, microsecond=0)
    earliest = max(
        now - timedelta(days=config.history_days), first_data + timedelta(days=config.warmup_days)
    )
    dates = []
    t = last
    while t >= earliest:
        dates.append(t)
        t -= timedelta(days=config.step_days)
    return dates[::-1]


def _churn_episodes(session: Session, config: HistoryConfig) -> dict[int, list[_Episode]]:
    """Every churn episode by customer, with when it became known (after the dunning grace
    period for a failed payment)."""
    episodes: dict[int, list[_Episode]] = defaultdict(list)
    grace = timedelta(days=config.grace_days)
    for key, (customer_id, churned_at, cause, reactivated_at) in enumerate(
        session.execute(
            select(Churn.customer_id, Churn.churned_at, Churn.cause, Churn.reactivated_at)
        )
    ):
        known = churned_at + grace if cause == "payment_failed" else churned_at
        episodes[customer_id].append(_Episode(key, churned_at, known, reactivated_at))
    return episodes


def _sampled_customers(
    customers: Sequence[tuple[int, datetime]], dates: int, config: HistoryConfig
) -> tuple[float, list[tuple[int, datetime]]]:
    """(share kept, customers kept): above `max_rows` estimated rows, a fixed pseudo-random
    share of customers, the same one on every run."""
    sampled = 1.0
    estimate = len(customers) * dates
    if estimate > config.max_rows:
        sampled = config.max_rows / estimate
    keep = [
        (cid, signed)
        for cid, signed in customers
        if sampled >= 1.0 or ((cid * 2654435761) % 4294967296) / 4294967296 < sampled
    ]
    return sampled, keep


def _active_with_outcomes(
    keep: Sequence[tuple[int, datetime]],
    episodes: dict[int, list[_Episode]],
    t: datetime,
    end: datetime,
) -> dict[int, int]:
    """Customers active at `t`, in order, each with the key of the churn episode that ends
    them by `end` (-1: none)."""
    outcome: dict[int, int] = {}
    for cid, signed in keep:
        if signed > t:
            continue
        gone = False
        label = -1
        for e in episodes.get(cid, ()):
            if e.known_at <= t and (e.reactivated_at is None or e.reactivated_at > t):
                gone = True
                break
            if e.known_at > t and e.churned_at <= end and label < 0:
                label = e.key
        if not gone:
            outcome[cid] = label
    return outcome


@dataclass
class _Rows:
    """The snapshot rows as they are built, column by column."""

    date_index: list[int] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    episode_keys: list[int] = field(default_factory=list)
    mrrs: list[float] = field(default_factory=list)
    hand: list[float] = field(default_factory=list)
    x: list[list[tuple[int, float]]] = field(default_factory=list)

    def add(
        self, k: int, cid: int, label: int, mrr: float, values: list[tuple[int, float]], hand: float
    ) -> None:
        self.date_index.append(k)
        self.ids.append(cid)
        self.labels.append(1 if label >= 0 else 0)
        self.episode_keys.append(label)
        self.mrrs.append(mrr)
        self.hand.append(hand)
        self.x.append(values)


def _sparse_features(rows_x: list[list[tuple[int, float]]]) -> sparse.csr_matrix:
    """The feature matrix. Sparse: a customer has a few signals, and a sparse product is
    also far faster than a dense one when other processes hold the cores (no BLAS threads
    to wait for)."""
    indptr = np.zeros(len(rows_x) + 1, dtype=np.int64)
    indices: list[int] = []
    data: list[float] = []
    for r, values in enumerate(rows_x):
        for i, v in values:
            indices.append(i)
            data.append(v)
        indptr[r + 1] = len(indices)
    x = sparse.csr_matrix(
        (np.asarray(data), np.asarray(indices, dtype=np.int32), indptr),
        shape=(len(rows_x), len(FEATURES)),
    )
    x.sum_duplicates()
    return x


def build_snapshots(
    session: Session,
    weights: Weights,
    now: datetime,
    config: HistoryConfig,
    extra_dates: tuple[datetime, ...] = (),
    progress: Callable[[str], None] | None = None,
) -> Snapshots:
    """Point-in-time rows for every snapshot date (see the module's docstring)."""
    started = time.perf_counter()
    first_data = session.scalar(select(func.min(Event.occurred_at)))
    dates = sorted(set(snapshot_dates(first_data, now, config)) | set(extra_dates))
    customers = session.execute(select(Customer.id, Customer.signed_up_at)).all()
    episodes = _churn_episodes(session, config)
    sampled, keep = _sampled_customers(customers, len(dates), config)
    rows = _Rows()
    hand_set = {FEATURE_INDEX[name] for name in HAND_FEATURES}
    for k, t in enumerate(dates):
        outcome = _active_with_outcomes(keep, episodes, t, t + config.horizon)
        active = list(outcome)
        for cid, mrr, signals in signals_as_of(session, t, weights, active):
            values = feature_values(signals, weights)
            hand = weights.model_baseline_log_odds + sum(v for i, v in values if i in hand_set)
            rows.add(k, cid, outcome[cid], float(mrr), values, hand)
        if progress is not None:
            progress(f"snapshot {t.date()}: {len(active):,} active")
    return Snapshots(
        dates,
        np.asarray(rows.date_index, dtype=int),
        np.asarray(rows.ids, dtype=np.int64),
        _sparse_features(rows.x),
        np.asarray(rows.labels, dtype=float),
        np.asarray(rows.episode_keys, dtype=np.int64),
        np.asarray(rows.mrrs, dtype=float),
        np.asarray(rows.hand, dtype=float),
        sampled,
        time.perf_counter() - started,
    )


def predict(model: RiskModel, snaps: Snapshots) -> np.ndarray:
    """The model's probabilities for every snapshot row (vectorised `RiskModel.assess`)."""
    coefficients = np.array([model.coefficients.get(name, 0.0) for name, _ in FEATURES])
    z = model.intercept + snaps.x @ coefficients
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -700, 700))))


def recency_weights(snaps: Snapshots, config: HistoryConfig) -> np.ndarray:
    """Each row's weight: 1 for the newest snapshot, halving every `half_life_days` back."""
    if config.half_life_days <= 0 or len(snaps.y) == 0:
        return np.ones(len(snaps.y))
    newest = snaps.dates[int(snaps.date_index.max())]
    age = np.array([(newest - d).total_seconds() / 86400 for d in snaps.dates])
    return np.asarray(0.5 ** (age[snaps.date_index] / config.half_life_days))


def _fit_logistic(
    snaps: Snapshots, l2: float, weights: Weights, config: HistoryConfig
) -> RiskModel:
    fit = fit_bounded_logistic(snaps.x, snaps.y, l2, recency_weights(snaps, config))
    coefficients = {
        name: float(c) for (name, _), c in zip(FEATURES, fit.coefficients, strict=True) if c > 1e-9
    }
    return RiskModel(
        kind="fitted",
        horizon_days=config.horizon_days,
        intercept=fit.intercept,
        coefficients=coefficients,
        trained={"l2": l2},
    )


def _recalibrate(snaps: Snapshots, weights: Weights, config: HistoryConfig) -> RiskModel:
    centre = weights.model_baseline_log_odds
    a, b = fit_platt(snaps.hand_log_odds - centre, snaps.y, recency_weights(snaps, config))
    # logit p = a + b (z - centre) = (a - b centre) + b z; recalibrated_model adds b * centre.
    return recalibrated_model(a - b * centre, b, weights, config.horizon_days)


def fit_model(snaps: Snapshots, weights: Weights, config: HistoryConfig) -> RiskModel:
    """The model for these rows: fitted, recalibrated or (no churn at all) hand-set."""
    churners = snaps.churners
    if len(snaps.y) == 0 or churners == 0 or snaps.y.min() == snaps.y.max():
        return hand_set_model(weights, config.horizon_days)
    recalibrated = _recalibrate(snaps, weights, config)
    if churners < config.min_churners:
        return recalibrated
    # Choose the regularisation (and fitted vs recalibrated) on a time split inside the rows.
    used = sorted(set(snaps.date_index.tolist()))
    if len(used) >= 3:
        validation_from = snaps.dates[used[max(1, (len(used) * 3) // 4)]]
        train = snaps.before(validation_from, config.resolve)
        valid = snaps.date_index >= snaps.dates.index(validation_from)
        inner_train, inner_valid = snaps.rows(train), snaps.rows(valid)
        if inner_train.churners >= config.min_churners // 2 and inner_valid.y.sum() > 0:
            scores = []
            options: list[tuple[str, float]] = [("fitted", l2) for l2 in L2_GRID]
            options.append(("recalibrated", 0.0))
            for kind, l2 in options:
                if kind == "fitted":
                    m = _fit_logistic(inner_train, l2, weights, config)
                else:
                    m = _recalibrate(inner_train, weights, config)
                p = np.clip(predict(m, inner_valid), 1e-9, 1 - 1e-9)
                y = inner_valid.y
                scores.append(float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()))
            best_kind, best_l2 = options[int(np.argmin(scores))]
            if best_kind == "recalibrated":
                return recalibrated
            return _fit_logistic(snaps, best_l2, weights, config)
    return _fit_logistic(snaps, L2_GRID[1], weights, config)


@dataclass
class Backtest:
    cutoffs: list[datetime]
    figures: dict[str, Any]  # the candidate procedure's pooled figures
    compared: dict[str, dict[str, Any]] = field(default_factory=dict)  # other models, same rows
    y: np.ndarray | None = None
    p: np.ndarray | None = None
    # The candidate and the model in use on the cut-offs the model in use was not trained
    # on (after its training window), when there are any: a fair comparison for both.
    versus_in_use: tuple[dict[str, Any], dict[str, Any]] | None = None

    def summary(self) -> str:
        f = self.figures
        if f.get("auc") is None or f.get("calibration") is None:
            return "backtest: not enough history"
        return f"backtest AUC {f['auc']:.2f}, calibration {f['calibration']:.2f}"


def backtest(
    snaps: Snapshots,
    weights: Weights,
    config: HistoryConfig,
    incumbent: RiskModel | None = None,
    fitter: Callable[[Snapshots, Weights, HistoryConfig], RiskModel] = fit_model,
) -> Backtest:
    """Train before each cutoff, score at it, compare with what happened; pooled."""
    cutoffs = []
    ys, ps, mrrs, unseen = [], [], [], []
    others: dict[str, list[np.ndarray]] = defaultdict(list)
    seen_until = _window_end(incumbent)
    for cutoff in snaps.dates[::-1]:
        if len(cutoffs) == config.backtest_cutoffs:
            break
        train = snaps.rows(snaps.before(cutoff, config.resolve))
        if len(train.y) == 0 or train.y.sum() == 0:
            continue
        test = snaps.rows(snaps.at(cutoff))
        if len(test.y) == 0:
            continue
        cutoffs.append(cutoff)
        model = fitter(train, weights, config)
        ys.append(test.y)
        mrrs.append(test.mrr)
        ps.append(predict(model, test))
        unseen.append(np.full(len(test.y), seen_until is None or cutoff > seen_until))
        others["hand-set"].append(predict(hand_set_model(weights, config.horizon_days), test))
        others["recalibrated"].append(predict(_recalibrate(train, weights, config), test))
        if incumbent is not None:
            others["in use"].append(predict(incumbent, test))
    if not cutoffs:
        return Backtest([], evaluate(np.zeros(0), np.zeros(0)))
    y = np.concatenate(ys)
    p = np.concatenate(ps)
    mrr = np.concatenate(mrrs)
    figures = evaluate(y, p, mrr)
    compared = {name: evaluate(y, np.concatenate(parts), mrr) for name, parts in others.items()}
    versus = None
    if incumbent is not None:
        fair = np.concatenate(unseen)
        if fair.any() and y[fair].sum() > 0:
            in_use = np.concatenate(others["in use"])
            versus = (evaluate(y[fair], p[fair]), evaluate(y[fair], in_use[fair]))
    return Backtest(sorted(cutoffs), figures, compared, y, p, versus)


def _window_end(model: RiskModel | None) -> datetime | None:
    if model is None or not model.calibrated:
        return None
    end = model.trained.get("window_end")
    return datetime.fromisoformat(end) if isinstance(end, str) else None


@dataclass
class Refit:
    model: RiskModel
    adopted: bool
    note: str
    backtest: Backtest
    snapshots: Snapshots


def _stored_backtest(bt: Backtest) -> dict[str, Any]:
    keep = (
        "rows",
        "churners",
        "base_rate",
        "auc",
        "brier",
        "log_loss",
        "expected_churners",
        "actual_churners",
        "calibration",
        "top10_share",
        "top10_lift",
        "expected_mrr_lost",
        "actual_mrr_lost",
        "deciles",
    )
    data: dict[str, Any] = {k: bt.figures.get(k) for k in keep}
    data["cutoffs"] = [c.isoformat() for c in bt.cutoffs]
    data["compared"] = {
        name: {k: f.get(k) for k in ("auc", "brier", "log_loss", "calibration")}
        for name, f in bt.compared.items()
    }
    return data


def worse_than(
    candidate: dict[str, Any],
    incumbent: dict[str, Any],
    brier_tolerance: float = BRIER_TOLERANCE,
    auc_tolerance: float = AUC_TOLERANCE,
) -> str | None:
    """Why the candidate's backtest is worse than the incumbent's, if it is."""
    cb, ib = candidate.get("brier"), incumbent.get("brier")
    ca, ia = candidate.get("auc"), incumbent.get("auc")
    if cb is None or ib is None:
        return None
    if cb > ib * (1 + brier_tolerance):
        return f"Brier {cb:.5f} vs {ib:.5f} for the model in use"
    if ca is not None and ia is not None and ca < ia - auc_tolerance:
        return f"AUC {ca:.3f} vs {ia:.3f} for the model in use"
    return None


def _training_record(
    model: RiskModel, snaps: Snapshots, now: datetime, config: HistoryConfig, started: float
) -> dict[str, Any]:
    """The fitter's own record of the training, with what it was trained on and when."""
    trained = dict(model.trained)
    trained.update(
        {
            "fitted_at": now.isoformat(),
            "window_start": snaps.dates[0].isoformat() if snaps.dates else None,
            "window_end": snaps.dates[-1].isoformat() if snaps.dates else None,
            "snapshots": len(snaps.dates),
            "step_days": config.step_days,
            "rows": len(snaps.y),
            "churners": snaps.churners,
            "positive_rows": int(snaps.y.sum()),
            "customers_sampled": round(snaps.sampled, 4),
            "seconds": round(time.perf_counter() - started, 1),
        }
    )
    return trained


def _why_not_adopted(incumbent: RiskModel | None, bt: Backtest) -> str | None:
    """Why the new model should not replace the calibrated one in use; None: adopt it."""
    if incumbent is None or not incumbent.calibrated:
        return None
    if bt.versus_in_use is not None:
        # Same customers and dates, none of them seen by either model when trained.
        return worse_than(*bt.versus_in_use)
    if incumbent.backtest and bt.cutoffs:
        # Nothing new since the model in use was fitted: its own backtest (other dates,
        # so a looser tolerance for their noise) against this one.
        return worse_than(
            bt.figures, dict(incumbent.backtest), STORED_BRIER_TOLERANCE, STORED_AUC_TOLERANCE
        )
    if not bt.cutoffs:
        return "no backtest possible on this history; the model in use is kept"
    return None


def refit(
    session: Session,
    weights: Weights,
    now: datetime,
    config: HistoryConfig,
    fitter: Callable[[Snapshots, Weights, HistoryConfig], RiskModel] = fit_model,
    progress: Callable[[str], None] | None = None,
) -> Refit:
    """Snapshots, backtest, final fit on every resolved snapshot; stored, adopted if not worse.

    The caller commits the session.
    """
    started = time.perf_counter()
    snaps = build_snapshots(session, weights, now, config, progress=progress)
    incumbent = adopted_model(session)
    bt = backtest(snaps, weights, config, incumbent, fitter)
    model = fitter(snaps, weights, config)
    model = RiskModel(
        model.kind,
        model.horizon_days,
        model.intercept,
        model.coefficients,
        None,
        _training_record(model, snaps, now, config, started),
        _stored_backtest(bt) if bt.cutoffs else None,
    )
    note = _why_not_adopted(incumbent, bt)
    adopted = note is None
    stored = save_model(
        session, model, adopted=adopted, note=None if adopted else f"not adopted: {note}", now=now
    )
    return Refit(
        stored,
        adopted,
        "adopted" if adopted else f"not adopted: {note}",
        bt,
        snaps,
    )


def money(value: float) -> str:
    return f"{Decimal(repr(value)).quantize(Decimal('0.01')):,}"


def mrr_lost(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else money(value)
