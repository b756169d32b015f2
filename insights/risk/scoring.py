"""The churn-risk score: an additive, capped points model mapped through a logistic.

Why this shape: each signal's points rise monotonically with how bad the signal is
and stop at a cap, so one loud signal cannot drown the rest and a worse signal can
never lower the score. Points are log-odds, so they add up the way evidence does,
and the logistic turns the sum into a 0-100 number that reads as "chance of leaving
in 100". Every signal that adds points becomes a reason the retention team can read.

Missing facts add nothing: the score only counts evidence it has. Signals only ever
add risk; good news (a promoter NPS, a long tenure) shows up as the absence of
points rather than as negative points, which keeps the attribution of the score to
its reasons unambiguous.

This function is on the hot path of ranking every active customer, so it works on
precomputed :class:`Weights`, does no I/O and builds reason texts lazily.
"""

from __future__ import annotations

import math
from datetime import datetime

from insights.risk.assessment import RiskAssessment
from insights.risk.signals import RiskSignals
from insights.risk.weights import Weights, default_weights
from insights.risk.wording import CHURN_REASON_PREFIX

_DAY_SECONDS = 86400.0


def score(signals: RiskSignals, weights: Weights | None = None) -> RiskAssessment:
    """Score one customer with the hand-set points alone (no fitted model).

    ``weights`` defaults to the shipped ``weights.toml``. The result's probability is the
    hand-set model's, which is *not* calibrated to any company's churn: the product shows
    probabilities from :class:`insights.risk.model.RiskModel`, which starts from these
    points and learns or recalibrates their weights on the company's own history.
    """
    w = default_weights() if weights is None else weights
    terms = hand_terms(signals, w)
    log_odds = w.model_baseline_log_odds
    for _, points in terms:
        log_odds += points
    probability = 1.0 / (1.0 + math.exp(-log_odds)) if log_odds > -700.0 else 0.0
    return RiskAssessment(probability, terms, signals, w, w.model_baseline_log_odds)


def hand_terms(signals: RiskSignals, w: Weights) -> list[tuple[str, float]]:
    """The hand-set points (log-odds) of each signal that adds any, in a fixed order."""
    s = signals
    terms: list[tuple[str, float]] = []
    if s.exit_intent and w.exit_intent_points > 0:
        terms.append(("exit_intent", w.exit_intent_points))
    _usage_terms(s, w, terms)
    _feedback_terms(s, w, terms)
    _payment_and_contact_terms(s, w, terms)
    if s.monthly_contract and w.contract_monthly_points > 0:
        terms.append(("monthly_contract", w.contract_monthly_points))
    if s.manual_payment and w.contract_manual_payment_points > 0:
        terms.append(("manual_payment", w.contract_manual_payment_points))
    return terms


def _usage_terms(s: RiskSignals, w: Weights, terms: list[tuple[str, float]]) -> None:
    """How the customer uses the product: silence, quietness against peers, tenure."""
    if s.days_since_last_activity is not None:
        points = recency_points(s.days_since_last_activity, s.usual_activity_gap_days, w)
        if points > 0:
            terms.append(("recency", points))

    pct = s.activity_percentile
    if pct is not None and pct < w.activity_quiet_below_percentile:
        quiet = w.activity_quiet_below_percentile
        points = w.activity_max_points * (quiet - pct) / quiet
        if points > 0:
            terms.append(("activity", points))

    if s.tenure_days is not None:
        points = tenure_points(s.tenure_days, w)
        if points > 0:
            terms.append(("tenure", points))


def _feedback_terms(s: RiskSignals, w: Weights, terms: list[tuple[str, float]]) -> None:
    """What the customer told us: scores (fading with age), negative comments,
    complaints, and the churn reasons tagged in them."""
    nps = s.latest_nps
    if nps is not None and nps < 7:
        points = w.nps_max_points * (7 - nps) / 7 * freshness(s.latest_nps_at, s.as_of, w)
        if points > 0:
            terms.append(("nps", points))

    csat = s.latest_csat
    if csat is not None and csat < 4:
        points = w.csat_max_points * (4 - csat) / 3 * freshness(s.latest_csat_at, s.as_of, w)
        if points > 0:
            terms.append(("csat", points))

    if s.negative_feedback_count > 0:
        points = min(
            s.negative_feedback_count * w.negative_feedback_points_each,
            w.negative_feedback_max_points,
        )
        if points > 0:
            terms.append(("negative_feedback", points))

    if s.complaints_recent > 0:
        points = min(s.complaints_recent * w.complaints_points_each, w.complaints_max_points)
        if points > 0:
            terms.append(("complaints", points))

    if s.churn_reasons:
        _add_reasons(s.churn_reasons, w, terms)


def _payment_and_contact_terms(s: RiskSignals, w: Weights, terms: list[tuple[str, float]]) -> None:
    """Failed and unrecovered payments, more support tickets than usual, surveys ignored."""
    if s.failed_payments_recent > 0:
        points = min(
            s.failed_payments_recent * w.payments_points_each_failure, w.payments_max_failure_points
        )
        if points > 0:
            terms.append(("failed_payments", points))
    if s.unrecovered_payment_failure and w.payments_unrecovered_points > 0:
        terms.append(("unrecovered_payment", w.payments_unrecovered_points))

    extra = s.support_tickets_recent - w.support_normal_tickets
    if extra > 0:
        points = min(extra * w.support_points_each_extra, w.support_max_points)
        if points > 0:
            terms.append(("support_tickets", points))

    if s.unanswered_surveys > 0:
        points = min(s.unanswered_surveys * w.surveys_points_each_unanswered, w.surveys_max_points)
        if points > 0:
            terms.append(("unanswered_surveys", points))


def recency_points(days_silent: float | None, usual_gap: float | None, w: Weights) -> float:
    """Points for silence measured against the customer's own rhythm.

    41 silent days is alarming for someone active every 3 days (ratio 14) and normal
    for someone active every 60 (ratio 0.7), so the curve runs on the ratio, on a log
    scale between ``normal_ratio`` (nothing) and ``full_ratio`` (the cap).
    """
    if days_silent is None or days_silent < w.recency_min_silent_days or days_silent <= 0:
        return 0.0
    gap = w.recency_default_usual_gap_days if usual_gap is None else usual_gap
    if gap < w.recency_min_usual_gap_days:
        gap = w.recency_min_usual_gap_days
    ratio = days_silent / gap
    if ratio <= w.recency_normal_ratio:
        return 0.0
    share = math.log(ratio / w.recency_normal_ratio) / w.recency_log_span
    return w.recency_max_points * (share if share < 1.0 else 1.0)


def tenure_points(tenure_days: float | None, w: Weights) -> float:
    """Points for being new: full up to ``new_until_days``, fading on a log scale to
    nothing at ``settled_after_days`` (month 2 vs 3 matters more than month 20 vs 21)."""
    if tenure_days is None or tenure_days >= w.tenure_settled_after_days:
        return 0.0
    if tenure_days <= w.tenure_new_until_days:
        return w.tenure_max_points
    share = math.log(w.tenure_settled_after_days / tenure_days) / w.tenure_log_span
    return w.tenure_max_points * share


def freshness(answered_at: datetime | None, as_of: datetime, w: Weights) -> float:
    """1 for a recent survey answer, fading linearly to 0 as it grows stale.

    An undated answer counts as current: the caller had no date to give.
    """
    if answered_at is None:
        return 1.0
    age_days = (as_of - answered_at).total_seconds() / _DAY_SECONDS
    if age_days <= w.freshness_full_days:
        return 1.0
    if age_days >= w.freshness_zero_days:
        return 0.0
    return (w.freshness_zero_days - age_days) / w.freshness_span_days


def _add_reasons(keys: tuple[str, ...], w: Weights, terms: list[tuple[str, float]]) -> None:
    """Strongest reason first, until the shared cap is used up; repeats count once."""
    table = w.churn_reason_points
    room = w.churn_reason_max_points
    for key in sorted(set(keys), key=lambda k: (-table.get(k, 0.0), k)):
        points = table.get(key, 0.0)
        if points > room:
            points = room
        if points <= 0:
            continue
        terms.append((CHURN_REASON_PREFIX + key, points))
        room -= points
