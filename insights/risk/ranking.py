"""Ordering customers into the at-risk list.

The list is ordered by revenue at risk (MRR x probability of churning within the
horizon: the expected MRR lost), not by probability alone: retention staff have limited
hours, and a 60% customer paying 2,000 a month deserves a call before a 90% customer
paying 10. Equal revenue at risk is broken by the higher probability, then by input
order, so the list is deterministic.

Revenue at risk is compared in exact cents (the same rounding the list shows), so
two customers shown with the same amount are really treated as a tie.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from decimal import Decimal
from typing import Generic, NamedTuple, TypeVar

from insights.risk.assessment import RiskAssessment, revenue_at_risk
from insights.risk.model import RiskModel
from insights.risk.scoring import score
from insights.risk.signals import RiskSignals
from insights.risk.weights import Weights, default_weights

K = TypeVar("K")


class RankedCustomer(NamedTuple, Generic[K]):
    """One line of the at-risk list (a named tuple: a million of them must be cheap)."""

    key: K
    assessment: RiskAssessment
    revenue_at_risk: Decimal


def rank(
    customers: Iterable[tuple[K, RiskSignals]],
    weights: Weights | None = None,
    *,
    top: int | None = None,
    model: RiskModel | None = None,
) -> list[RankedCustomer[K]]:
    """Score every customer and order by revenue at risk, highest first.

    ``model`` gives the probabilities (default: the hand-set points alone, uncalibrated).
    Ties in revenue go to the higher probability, then to the earlier customer in
    ``customers``. ``top`` keeps only the first ``top`` lines.
    """
    w = default_weights() if weights is None else weights
    assess = (lambda s: score(s, w)) if model is None else (lambda s: model.assess(s, w))
    rows: list[RankedCustomer[K]] = []
    keys: list[tuple[Decimal, float]] = []
    # Scoring allocates several small objects per customer and none of them form
    # cycles; the cyclic garbage collector would rescan the growing list over and over
    # (about half the run time at a million customers). Reference counting still frees
    # everything; the collector's previous state is restored afterwards.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for key, signals in customers:
            assessment = assess(signals)
            revenue = revenue_at_risk(signals.mrr, assessment.probability)
            rows.append(RankedCustomer(key, assessment, revenue))
            keys.append((revenue, assessment.probability))
        # Stable even when reversed: equal keys keep input order.
        order = sorted(range(len(rows)), key=keys.__getitem__, reverse=True)
        if top is not None:
            order = order[: max(top, 0)]
        return [rows[i] for i in order]
    finally:
        if collecting:
            gc.enable()
