"""The result of scoring one customer, and how its probability is attributed.

Risk is computed in log-odds space, where contributions add up, and shown as a
probability, where they do not. To keep every part of it traceable to a signal, the
probability a customer has above the baseline is shared out between the contributing
signals in proportion to their log-odds (and, in whole percentage points, with
largest-remainder rounding so that ``baseline + sum(c.points) == score`` exactly). The
baseline is the probability of a customer with no risk signal at all.

Reason texts are built lazily on first access: ranking a million customers only
needs the number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from insights.risk.signals import RiskSignals
from insights.risk.weights import Weights, to_score
from insights.risk.wording import describe

_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Contribution:
    """One signal's share of the risk.

    ``log_odds`` is the signal's term in the model (what orders the reasons);
    ``probability`` is its share of the probability above the baseline, so that
    ``baseline_probability + sum(c.probability) == probability``; ``points`` is the same
    share in whole percentage points (largest-remainder rounding, so that
    ``baseline + sum(c.points) == score``). A weak signal's points can round to 0.
    """

    signal: str
    points: int
    reason: str
    log_odds: float
    probability: float = 0.0


class RiskAssessment:
    """Probability of churning (within ``horizon_days`` when the model is calibrated),
    its contributions and revenue at risk for one customer.

    ``score`` is the probability in whole percent (``round(100 x probability)``), kept
    for ordering and for the attribution in whole points; it is never a separate scale.
    ``baseline_log_odds`` is the part every customer has (the model's intercept).
    """

    __slots__ = (
        "_contributions",
        "_terms",
        "baseline_log_odds",
        "horizon_days",
        "probability",
        "signals",
        "weights",
    )

    def __init__(
        self,
        probability: float,
        terms: list[tuple[str, float]],
        signals: RiskSignals,
        weights: Weights,
        baseline_log_odds: float,
        horizon_days: int | None = None,
    ) -> None:
        self.probability = probability
        self.signals = signals
        self.weights = weights
        self.baseline_log_odds = baseline_log_odds
        self.horizon_days = horizon_days
        self._terms = terms  # (signal, log-odds); owned by this object, never mutated
        self._contributions: list[Contribution] | None = None

    @property
    def score(self) -> int:
        """The probability in whole percent, rounded half up."""
        return math.floor(100.0 * self.probability + 0.5)

    @property
    def baseline_probability(self) -> float:
        """The probability of a customer with no risk signal at all."""
        return _logistic(self.baseline_log_odds)

    @property
    def baseline(self) -> int:
        """:attr:`baseline_probability` in whole percent."""
        return to_score(self.baseline_log_odds)

    @property
    def log_odds(self) -> dict[str, float]:
        """Each contributing signal's log-odds, for analysis and tests."""
        return dict(self._terms)

    @property
    def contributions(self) -> list[Contribution]:
        """Contributing signals, strongest first; points sum to ``score - baseline``."""
        if self._contributions is None:
            self._contributions = self._attribute()
        return list(self._contributions)

    def top_reasons(self, n: int = 3) -> list[str]:
        """The ``n`` strongest reasons in plain words, strongest first."""
        return [c.reason for c in self.contributions[:n]]

    def revenue_at_risk(self, mrr: Decimal | float | None = None) -> Decimal:
        """MRR x probability, rounded half up to cents (defaults to the signals' MRR)."""
        return revenue_at_risk(self.signals.mrr if mrr is None else mrr, self.probability)

    def __repr__(self) -> str:
        return f"RiskAssessment(probability={self.probability:.4f}, reasons={self.top_reasons()!r})"

    def _attribute(self) -> list[Contribution]:
        terms = sorted(self._terms, key=lambda term: -term[1])
        total = sum(log_odds for _, log_odds in terms)
        to_share = self.score - self.baseline
        above = self.probability - self.baseline_probability
        if not terms or to_share <= 0 or total <= 0:
            shares = [0] * len(terms)
        else:
            quotas = [to_share * log_odds / total for _, log_odds in terms]
            shares = [math.floor(q) for q in quotas]
            left = to_share - sum(shares)
            # Largest remainder first; ties go to the stronger signal (earlier in list).
            order = sorted(range(len(terms)), key=lambda i: (shares[i] - quotas[i], i))
            for i in order[:left]:
                shares[i] += 1
        return [
            Contribution(
                name,
                share,
                describe(name, self.signals, self.weights),
                log_odds,
                above * log_odds / total if total > 0 else 0.0,
            )
            for (name, log_odds), share in zip(terms, shares, strict=True)
        ]


def _logistic(log_odds: float) -> float:
    if log_odds <= -700.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-log_odds))


def revenue_at_risk(mrr: Decimal | float, probability: float | Decimal) -> Decimal:
    """MRR x probability in cents, rounded half up: the expected MRR lost over the
    horizon. Floats go through ``str`` so that 19.99 stays 19.99 instead of its binary
    approximation."""
    amount = mrr if isinstance(mrr, Decimal) else Decimal(str(mrr))
    share = probability if isinstance(probability, Decimal) else Decimal(repr(probability))
    return (amount * share).quantize(_CENT, rounding=ROUND_HALF_UP)
