"""Fitting and judging the churn-risk model: numbers in, numbers out (numpy and scipy).

- :func:`fit_bounded_logistic`: an L2-regularised logistic regression whose coefficients
  are bounded below by 0 (scipy's L-BFGS-B), so every monotone feature keeps its direction.
- :func:`fit_platt`: ``logit p = a + b * z`` with ``b >= 0``, to recalibrate a score.
- :func:`evaluate`: AUC, Brier score, log loss, a calibration table by decile, lift in the
  top 10%, expected vs actual churners and MRR lost.

No database and no chat here; `insights.risk_history` builds the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import minimize
from scipy.stats import rankdata


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)))


@dataclass(frozen=True)
class LogisticFit:
    intercept: float
    coefficients: np.ndarray
    converged: bool


def fit_bounded_logistic(
    x: np.ndarray | sparse.spmatrix,
    y: np.ndarray,
    l2: float,
    sample_weight: np.ndarray | None = None,
    free: np.ndarray | None = None,
) -> LogisticFit:
    """Minimise ``sum(w * logloss) + l2/2 * |beta|^2`` with ``beta >= 0`` (intercept free).

    ``free`` (bool per column) lifts the lower bound for columns allowed either sign; the
    product keeps every column monotone and never passes it.
    """
    n, k = x.shape
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    y = np.asarray(y, dtype=float)
    rate = float(np.clip((w * y).sum() / w.sum(), 1e-6, 1 - 1e-6))
    start = np.zeros(k + 1)
    start[0] = np.log(rate / (1 - rate))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] + x @ theta[1:]
        # log(1 + e^z) - y z, stably
        value = float((w * (np.logaddexp(0.0, z) - y * z)).sum())
        value += 0.5 * l2 * float(theta[1:] @ theta[1:])
        residual = w * (_sigmoid(z) - y)
        grad = np.empty(k + 1)
        grad[0] = residual.sum()
        grad[1:] = np.asarray(x.T @ residual).ravel() + l2 * theta[1:]
        return value, grad

    bounds: list[tuple[float | None, float | None]] = [(None, None)]
    for j in range(k):
        bounds.append((None, None) if free is not None and free[j] else (0.0, None))
    result = minimize(
        loss,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 2000, "gtol": 1e-7},
    )
    theta = result.x
    return LogisticFit(float(theta[0]), np.asarray(theta[1:]), bool(result.success))


def fit_platt(
    z: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None, l2: float = 1e-3
) -> tuple[float, float]:
    """``(a, b)`` of ``logit p = a + b * z``, ``b >= 0``."""
    fit = fit_bounded_logistic(np.asarray(z, dtype=float).reshape(-1, 1), y, l2, sample_weight)
    return fit.intercept, float(fit.coefficients[0])


def auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """Area under the ROC curve (ties count half); None without both classes."""
    y = np.asarray(y, dtype=bool)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return None
    ranks = rankdata(p)
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(np.asarray(p, dtype=float), 1e-12, 1 - 1e-12)
    y = np.asarray(y, dtype=float)
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())


def evaluate(
    y: np.ndarray, p: np.ndarray, mrr: np.ndarray | None = None, bins: int = 10
) -> dict[str, Any]:
    """The backtest figures of predictions ``p`` against outcomes ``y`` (0/1)."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    n = len(y)
    expected, actual = float(p.sum()), float(y.sum())
    order = np.argsort(-p, kind="stable")
    top = max(1, round(n * 0.1)) if n else 0
    caught = float(y[order[:top]].sum()) if n else 0.0
    deciles = []
    if n:
        # Deciles of predicted probability, lowest first (equal counts, ties split by order).
        ascending = order[::-1]
        for part in np.array_split(ascending, min(bins, n)):
            if len(part) == 0:
                continue
            deciles.append(
                {
                    "customers": len(part),
                    "predicted_min": float(p[part].min()),
                    "predicted_max": float(p[part].max()),
                    "predicted": float(p[part].mean()),
                    "observed": float(y[part].mean()),
                    "expected_churners": float(p[part].sum()),
                    "actual_churners": int(y[part].sum()),
                }
            )
    figures: dict[str, Any] = {
        "rows": n,
        "churners": int(actual),
        "base_rate": actual / n if n else None,
        "auc": auc(y, p),
        "brier": float(((p - y) ** 2).mean()) if n else None,
        "log_loss": log_loss(y, p) if n else None,
        "expected_churners": expected,
        "actual_churners": int(actual),
        "calibration": expected / actual if actual else None,
        "top10_share": caught / actual if actual else None,
        "top10_lift": (caught / top) / (actual / n) if actual and top else None,
        "deciles": deciles,
    }
    if mrr is not None:
        mrr = np.asarray(mrr, dtype=float)
        figures["expected_mrr_lost"] = float((mrr * p).sum())
        figures["actual_mrr_lost"] = float((mrr * y).sum())
    return figures
