"""The result of scoring one customer, and how its points are attributed.

The score is computed in log-odds space, where contributions add up, and shown on a
0-100 scale, where they do not. To keep "every point of the score traceable to a
signal", the points a customer has above the baseline are shared out between the
contributing signals in proportion to their log-odds, with largest-remainder
rounding, so that ``baseline + sum(c.points for c in contributions) == score``
exactly. The baseline is the score of a customer with no risk signal at all.

Reason texts are built lazily on first access: ranking a million customers only
needs the number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from insights.risk.signals import RiskSignals
from insights.risk.weights import Weights
from insights.risk.wording import describe

_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Contribution:
    """One signal's share of the score: ``points`` on the 0-100 scale.

    ``log_odds`` is the signal's raw weight in the model; it orders the reasons, and
    ``points`` can round to 0 for a weak signal on a customer near the baseline.
    """

    signal: str
    points: int
    reason: str
    log_odds: float


class RiskAssessment:
    """Score, contributions and revenue at risk for one customer.

    ``score`` is 100 x the modelled probability of leaving, rounded; ``baseline`` is
    the part every customer has. Built by :func:`insights.risk.scoring.score`.
    """

    __slots__ = ("_contributions", "_terms", "probability", "score", "signals", "weights")

    def __init__(
        self,
        score: int,
        probability: float,
        terms: list[tuple[str, float]],
        signals: RiskSignals,
        weights: Weights,
    ) -> None:
        self.score = score
        self.probability = probability
        self.signals = signals
        self.weights = weights
        self._terms = terms  # (signal, log-odds); owned by this object, never mutated
        self._contributions: list[Contribution] | None = None

    @property
    def baseline(self) -> int:
        """The score of a customer with no risk signal at all."""
        return self.weights.baseline_score

    @property
    def log_odds(self) -> dict[str, float]:
        """Each contributing signal's raw log-odds, for analysis and tests."""
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
        """MRR x score / 100, rounded half up to cents (defaults to the signals' MRR)."""
        return revenue_at_risk(self.signals.mrr if mrr is None else mrr, self.score)

    def __repr__(self) -> str:
        return f"RiskAssessment(score={self.score}, reasons={self.top_reasons()!r})"

    def _attribute(self) -> list[Contribution]:
        terms = sorted(self._terms, key=lambda term: -term[1])
        total = sum(log_odds for _, log_odds in terms)
        to_share = self.score - self.baseline
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
            Contribution(name, share, describe(name, self.signals, self.weights), log_odds)
            for (name, log_odds), share in zip(terms, shares, strict=True)
        ]


def revenue_at_risk(mrr: Decimal | float, score: int) -> Decimal:
    """MRR x score / 100 in cents, rounded half up. Floats go through ``str`` so that
    19.99 stays 19.99 instead of its binary approximation."""
    amount = mrr if isinstance(mrr, Decimal) else Decimal(str(mrr))
    return (amount * score / 100).quantize(_CENT, rounding=ROUND_HALF_UP)
