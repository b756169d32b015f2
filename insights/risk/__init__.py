"""Explainable churn risk for active customers: a probability of churning within a
horizon, with the signals that make it up.

Pure and platform-neutral on purpose: no database, chat, network or ML imports. The
storage layer computes :class:`RiskSignals` per customer (as of a date) and asks a
:class:`RiskModel` (fitted on the company's history by ``insights.risk_history``) or the
hand-set :func:`score`; everything here is a function of those signals and the weights.
"""

from insights.risk.assessment import Contribution, RiskAssessment, revenue_at_risk
from insights.risk.features import FEATURES, feature_values
from insights.risk.model import RiskModel, hand_set_model, recalibrated_model
from insights.risk.ranking import RankedCustomer, rank
from insights.risk.scoring import hand_terms, score
from insights.risk.shown_reasons import shown_reasons
from insights.risk.signals import CHURN_REASONS, RiskSignals
from insights.risk.weights import (
    DEFAULT_WEIGHTS_FILE,
    Weights,
    default_weights,
    load_weights,
    parse_weights,
)
from insights.risk.wording import chance, percent

__all__ = [
    "CHURN_REASONS",
    "DEFAULT_WEIGHTS_FILE",
    "FEATURES",
    "Contribution",
    "RankedCustomer",
    "RiskAssessment",
    "RiskModel",
    "RiskSignals",
    "Weights",
    "chance",
    "default_weights",
    "feature_values",
    "hand_set_model",
    "hand_terms",
    "load_weights",
    "parse_weights",
    "percent",
    "rank",
    "recalibrated_model",
    "revenue_at_risk",
    "score",
    "shown_reasons",
]
