"""A risk model: the probability that an active customer churns within a horizon.

``log_odds = intercept + sum(coefficients[f] * f(signals))`` over the monotone features of
:mod:`insights.risk.features`, all coefficients >= 0. Three kinds, same shape:

- ``fitted``: a regularised logistic regression learnt from the company's own history
  (point-in-time snapshots, see ``insights.risk_history``);
- ``recalibrated``: the shipped hand-set points with one shared slope and an intercept
  fitted to the company's observed churn (Platt scaling), used when the history has too
  few churners to fit every coefficient;
- ``hand-set``: the shipped points as they are, used until any history has been learnt
  from. Its probabilities are not calibrated, and every surface says so.

Stored as plain JSON (never pickle) with its version, training window and backtest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from insights.risk.assessment import RiskAssessment
from insights.risk.features import FEATURE_INDEX, FEATURE_SIGNAL, FEATURES, feature_values
from insights.risk.scoring import hand_terms
from insights.risk.signals import RiskSignals
from insights.risk.weights import Weights, default_weights

KINDS = ("fitted", "recalibrated", "hand-set")
FORMAT = 1


@dataclass(frozen=True)
class RiskModel:
    kind: str
    horizon_days: int
    intercept: float
    coefficients: Mapping[str, float]
    version: int | None = None  # the database row's version, once stored
    trained: Mapping[str, Any] = field(default_factory=dict)  # window, rows, churners...
    backtest: Mapping[str, Any] | None = None
    _dense: tuple[float, ...] = field(init=False, repr=False, compare=False)
    # Coefficient per signal when the model uses only the hand-set points (recalibrated,
    # hand-set): then scoring needs only those, not every shape feature.
    _hand_only: dict[str, float] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown model kind {self.kind!r}")
        if self.horizon_days < 1:
            raise ValueError("horizon_days must be >= 1")
        if not math.isfinite(self.intercept):
            raise ValueError("intercept must be finite")
        dense = [0.0] * len(FEATURES)
        for name, value in self.coefficients.items():
            if name not in FEATURE_INDEX:
                raise ValueError(f"unknown feature {name!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"coefficient of {name!r} must be a finite number >= 0")
            dense[FEATURE_INDEX[name]] = float(value)
        object.__setattr__(self, "coefficients", MappingProxyType(dict(self.coefficients)))
        object.__setattr__(self, "_dense", tuple(dense))
        hand_only = None
        if all(name.startswith("hand:") for name, v in self.coefficients.items() if v):
            hand_only = {name[len("hand:") :]: v for name, v in self.coefficients.items() if v}
        object.__setattr__(self, "_hand_only", hand_only)

    @property
    def calibrated(self) -> bool:
        return self.kind != "hand-set"

    def assess(self, signals: RiskSignals, weights: Weights | None = None) -> RiskAssessment:
        """Probability of churning within ``horizon_days``, with its contributions."""
        w = default_weights() if weights is None else weights
        if self._hand_only is not None:
            return self._assess_hand(signals, w, self._hand_only)
        dense = self._dense
        per_signal: dict[str, float] = {}
        for index, value in feature_values(signals, w):
            coefficient = dense[index]
            if coefficient:
                name = FEATURE_SIGNAL[index]
                per_signal[name] = per_signal.get(name, 0.0) + coefficient * value
        log_odds = self.intercept
        terms = []
        for name, term in per_signal.items():
            if term > 1e-9:
                terms.append((name, term))
                log_odds += term
        probability = 1.0 / (1.0 + math.exp(-log_odds)) if log_odds > -700.0 else 0.0
        return RiskAssessment(probability, terms, signals, w, self.intercept, self.horizon_days)

    def _assess_hand(
        self, signals: RiskSignals, w: Weights, slopes: dict[str, float]
    ) -> RiskAssessment:
        """The same result as the general path, from the hand-set points alone."""
        log_odds = self.intercept
        terms = []
        for name, points in hand_terms(signals, w):
            term = slopes.get(name, 0.0) * points
            if term > 1e-9:
                terms.append((name, term))
                log_odds += term
        probability = 1.0 / (1.0 + math.exp(-log_odds)) if log_odds > -700.0 else 0.0
        return RiskAssessment(probability, terms, signals, w, self.intercept, self.horizon_days)

    def log_odds_of(self, values: list[tuple[int, float]]) -> float:
        """The model's log-odds for precomputed :func:`feature_values`."""
        dense = self._dense
        return self.intercept + sum(dense[i] * v for i, v in values)

    def summary(self) -> str:
        """One line for footers: ``backtest AUC 0.81, 30-day calibration 1.05``."""
        if not self.calibrated:
            return "hand-set weights, not calibrated to this company's churn yet"
        bt = self.backtest or {}
        auc, ratio = bt.get("auc"), bt.get("calibration")
        if auc is None or ratio is None:
            return f"{self.kind} model v{self.version or '-'}, no backtest"
        return f"backtest AUC {auc:.2f}, {self.horizon_days}-day calibration {ratio:.2f}"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "horizon_days": self.horizon_days,
            "intercept": self.intercept,
            "coefficients": {k: v for k, v in self.coefficients.items() if v != 0.0},
            "trained": dict(self.trained),
            "backtest": dict(self.backtest) if self.backtest is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], version: int | None = None) -> RiskModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown risk model format {data.get('format')!r}")
        return cls(
            kind=str(data["kind"]),
            horizon_days=int(data["horizon_days"]),
            intercept=float(data["intercept"]),
            coefficients={str(k): float(v) for k, v in dict(data["coefficients"]).items()},
            version=version,
            trained=dict(data.get("trained") or {}),
            backtest=data.get("backtest"),
        )

    def with_version(self, version: int) -> RiskModel:
        return RiskModel(
            self.kind,
            self.horizon_days,
            self.intercept,
            self.coefficients,
            version,
            self.trained,
            self.backtest,
        )


def hand_set_model(weights: Weights | None = None, horizon_days: int = 30) -> RiskModel:
    """The shipped points as a model: the hand-set score, not calibrated."""
    w = default_weights() if weights is None else weights
    return RiskModel(
        kind="hand-set",
        horizon_days=horizon_days,
        intercept=w.model_baseline_log_odds,
        coefficients={f"hand:{signal}": 1.0 for signal in _hand_signals()},
    )


def recalibrated_model(
    intercept: float,
    slope: float,
    weights: Weights | None = None,
    horizon_days: int = 30,
    **extra: Any,
) -> RiskModel:
    """The hand-set points rescaled: ``logit p = a + b * (hand-set log-odds)``."""
    w = default_weights() if weights is None else weights
    return RiskModel(
        kind="recalibrated",
        horizon_days=horizon_days,
        intercept=intercept + slope * w.model_baseline_log_odds,
        coefficients={f"hand:{signal}": slope for signal in _hand_signals()},
        **extra,
    )


def _hand_signals() -> list[str]:
    return [name[len("hand:") :] for name, _ in FEATURES if name.startswith("hand:")]
