"""The learnable features of the risk model: monotone functions of the signals.

A fitted model is ``log_odds = intercept + sum(coefficient[f] * f(signals))`` over the
features below. Every feature is >= 0 and never decreases as its signal gets worse (lower
NPS, longer silence, newer customer, more failed payments...), and coefficients are fitted
with a lower bound of 0, so a worse signal can never lower the risk: the monotonicity of
the hand-set score survives the fit. Each feature belongs to one signal, and a signal's
contribution is the sum of its features' terms, so the explanation ("NPS 3 on 2 Nov") is
the same as before.

Two kinds of feature:

- ``hand:<signal>``: the shipped hand-set points of the signal (``weights.toml``). With one
  shared coefficient on all of them this *is* the hand-set score, rescaled: that is how a
  company with too little history gets the shipped weights recalibrated to its base rate.
- shape features (``tenure:<=180d``, ``nps:<7``...): ramps and steps that let a fit bend
  a signal's curve where the company's history says so, still monotone. Two signals exist
  only as learnt shapes: ``usage`` (a long usual gap between active days) and
  ``small_account`` (a low MRR; in most subscription businesses small accounts churn
  more, and the fit gives it no weight where that is not so).

Pure standard library, like the rest of the package. :func:`feature_values` runs once per
customer when scoring and once per snapshot row when training: one function for both.
"""

from __future__ import annotations

import math

from insights.risk.scoring import freshness, hand_terms
from insights.risk.signals import RiskSignals
from insights.risk.weights import Weights
from insights.risk.wording import SIGNAL_NAMES

_TENURE_FADES = (45.0, 90.0, 180.0, 365.0, 730.0, 1460.0)
_TENURE_NEW = 15.0
_SILENCE_RAMPS = ((7.0, 14.0), (14.0, 30.0), (30.0, 60.0), (60.0, 120.0))
_GAP_RAMPS = ((2.0, 4.0), (4.0, 8.0), (8.0, 16.0), (16.0, 32.0))
# MRR levels below which a smaller account adds risk (log ramps down to a tenth).
_MRR_LEVELS = (30.0, 100.0, 300.0, 1000.0)


def _shape_features() -> list[tuple[str, str]]:
    shapes: list[tuple[str, str]] = []
    shapes += [(f"recency:silent>{int(a)}d", "recency") for a, _ in _SILENCE_RAMPS]
    shapes += [("recency:ratio>2", "recency"), ("recency:ratio>5", "recency")]
    shapes += [(f"activity:<p{p}", "activity") for p in (75, 50, 25, 10)]
    shapes += [(f"usage:gap>{int(a)}d", "usage") for a, _ in _GAP_RAMPS]
    shapes += [(f"small_account:<{int(m)}", "small_account") for m in _MRR_LEVELS]
    shapes += [(f"tenure:<{int(days)}d", "tenure") for days in _TENURE_FADES]
    shapes += [("nps:<9", "nps"), ("nps:<7", "nps"), ("nps:<=4", "nps")]
    shapes += [("csat:<5", "csat"), ("csat:<4", "csat"), ("csat:<=2", "csat")]
    shapes += [("negative_feedback:any", "negative_feedback")]
    shapes += [("negative_feedback:count", "negative_feedback")]
    shapes += [("complaints:any", "complaints"), ("complaints:count", "complaints")]
    shapes += [("failed_payments:any", "failed_payments")]
    shapes += [("failed_payments:count", "failed_payments")]
    shapes += [("support_tickets:count", "support_tickets")]
    shapes += [("support_tickets:>3", "support_tickets")]
    shapes += [("unanswered_surveys:any", "unanswered_surveys")]
    shapes += [("unanswered_surveys:count", "unanswered_surveys")]
    return shapes


#: (feature name, signal it belongs to), in a fixed order: the column order of training.
FEATURES: tuple[tuple[str, str], ...] = (
    *((f"hand:{signal}", signal) for signal in SIGNAL_NAMES),
    *_shape_features(),
)
FEATURE_INDEX: dict[str, int] = {name: i for i, (name, _) in enumerate(FEATURES)}
FEATURE_SIGNAL: tuple[str, ...] = tuple(signal for _, signal in FEATURES)
HAND_FEATURES: tuple[str, ...] = tuple(f"hand:{signal}" for signal in SIGNAL_NAMES)

_HAND = {signal: FEATURE_INDEX[f"hand:{signal}"] for signal in SIGNAL_NAMES}
_I = FEATURE_INDEX


def _clip(x: float) -> float:
    return 0.0 if x <= 0.0 else 1.0 if x >= 1.0 else x


def feature_values(s: RiskSignals, w: Weights) -> list[tuple[int, float]]:
    """The non-zero features of one customer as ``(index into FEATURES, value)``."""
    out: list[tuple[int, float]] = [(_HAND[name], points) for name, points in hand_terms(s, w)]
    _rhythm_features(s, w, out)
    _account_features(s, out)
    _score_features(s, w, out)
    _counted(out, "negative_feedback", s.negative_feedback_count, 4)
    _counted(out, "complaints", s.complaints_recent, 3)
    _counted(out, "failed_payments", s.failed_payments_recent, 3)
    _counted(out, "unanswered_surveys", s.unanswered_surveys, 3)
    tickets = s.support_tickets_recent
    if tickets > 0:
        out.append((_I["support_tickets:count"], min(tickets, 10) / 10))
        if tickets > 3:
            out.append((_I["support_tickets:>3"], _clip((tickets - 3) / 3)))
    return out


def _rhythm_features(s: RiskSignals, w: Weights, out: list[tuple[int, float]]) -> None:
    """Silence, in days and against the customer's usual gap, and how wide that gap is."""
    add = out.append
    days = s.days_since_last_activity
    if days is not None and days > 0:
        for a, b in _SILENCE_RAMPS:
            if days > a:
                add((_I[f"recency:silent>{int(a)}d"], _clip((days - a) / (b - a))))
        gap = (
            w.recency_default_usual_gap_days
            if s.usual_activity_gap_days is None
            else max(s.usual_activity_gap_days, w.recency_min_usual_gap_days)
        )
        ratio = days / gap
        if ratio > 2.0:
            add((_I["recency:ratio>2"], _clip(math.log(ratio / 2.0) / math.log(5.0))))
        if ratio > 5.0:
            add((_I["recency:ratio>5"], _clip(math.log(ratio / 5.0) / math.log(6.0))))

    usual = s.usual_activity_gap_days
    if usual is not None:
        for a, b in _GAP_RAMPS:
            if usual > a:
                add((_I[f"usage:gap>{int(a)}d"], _clip((usual - a) / (b - a))))


def _account_features(s: RiskSignals, out: list[tuple[int, float]]) -> None:
    """A small account, activity below the peers' percentiles, a short tenure."""
    add = out.append
    mrr = float(s.mrr)
    for level in _MRR_LEVELS:
        if 0 < mrr < level:  # a free (or unknown, 0) MRR says nothing about the account
            share = 1.0 if mrr <= level / 10 else math.log(level / mrr) / math.log(10.0)
            add((_I[f"small_account:<{int(level)}"], share))

    pct = s.activity_percentile
    if pct is not None:
        for p in (75, 50, 25, 10):
            if pct < p:
                add((_I[f"activity:<p{p}"], (p - pct) / p))

    tenure = s.tenure_days
    if tenure is not None:
        for days_ in _TENURE_FADES:
            if tenure < days_:
                value = (
                    1.0
                    if tenure <= _TENURE_NEW
                    else math.log(days_ / tenure) / math.log(days_ / _TENURE_NEW)
                )
                add((_I[f"tenure:<{int(days_)}d"], value))


def _score_features(s: RiskSignals, w: Weights, out: list[tuple[int, float]]) -> None:
    """The latest NPS and CSAT below their marks, fading with the answer's age."""
    add = out.append
    nps = s.latest_nps
    if nps is not None and nps < 9:
        fresh = freshness(s.latest_nps_at, s.as_of, w)
        if fresh > 0:
            add((_I["nps:<9"], (9 - nps) / 9 * fresh))
            if nps < 7:
                add((_I["nps:<7"], (7 - nps) / 7 * fresh))
            if nps <= 4:
                add((_I["nps:<=4"], fresh))

    csat = s.latest_csat
    if csat is not None and csat < 5:
        fresh = freshness(s.latest_csat_at, s.as_of, w)
        if fresh > 0:
            add((_I["csat:<5"], (5 - csat) / 4 * fresh))
            if csat < 4:
                add((_I["csat:<4"], (4 - csat) / 3 * fresh))
            if csat <= 2:
                add((_I["csat:<=2"], fresh))


def _counted(out: list[tuple[int, float]], signal: str, n: int, cap: int) -> None:
    if n > 0:
        out.append((_I[f"{signal}:any"], 1.0))
        out.append((_I[f"{signal}:count"], min(n, cap) / cap))
