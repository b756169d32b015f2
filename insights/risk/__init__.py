"""Explainable churn-risk score for active customers.

Pure and platform-neutral on purpose: no database, chat or network imports. The
storage layer computes :class:`RiskSignals` per customer and calls :func:`score` or
:func:`rank`; everything here is a function of those signals and the weights.
"""

from insights.risk.assessment import Contribution, RiskAssessment, revenue_at_risk
from insights.risk.ranking import RankedCustomer, rank
from insights.risk.scoring import score
from insights.risk.signals import CHURN_REASONS, RiskSignals
from insights.risk.weights import (
    DEFAULT_WEIGHTS_FILE,
    Weights,
    default_weights,
    load_weights,
    parse_weights,
)

__all__ = [
    "CHURN_REASONS",
    "DEFAULT_WEIGHTS_FILE",
    "Contribution",
    "RankedCustomer",
    "RiskAssessment",
    "RiskSignals",
    "Weights",
    "default_weights",
    "load_weights",
    "parse_weights",
    "rank",
    "revenue_at_risk",
    "score",
]
