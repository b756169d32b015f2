"""Which of a customer's risk contributions are worth showing as a reason to call.

The call list is read by someone deciding whom to phone and what to say, so its reasons
must be things to act on now. Two kinds of contribution add to the probability but are
left out of the shown reasons (they stay in `RiskAssessment.contributions`, and so in
`at-risk --format json`, where the whole attribution is kept):

- facts that are not actionable on their own: how long someone has been a customer
  ("customer for 3 months") or how small the account is;
- stale facts: an NPS or CSAT score given longer ago than the model's horizon ("NPS 0
  on 8 Sep" in December); every other signal is already counted over a recent window;
- facts that do not read as a risk to the person calling: "less active than 41% of
  customers" (more active than most), and the customer's usual rhythm ("active only about
  every 9 days") when the recency line already says it ("no activity for 18 days, usually
  every 9").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from insights.risk.assessment import Contribution, RiskAssessment

NOT_ACTIONABLE_ALONE = frozenset({"tenure", "small_account"})
DEFAULT_SHOWN = 3


def _dated(contribution: Contribution, assessment: RiskAssessment) -> datetime | None:
    signals = assessment.signals
    if contribution.signal == "nps":
        return signals.latest_nps_at
    if contribution.signal == "csat":
        return signals.latest_csat_at
    return None


LESS_ACTIVE_THAN_MOST = 50.0  # % of customers more active than this one, at least


def _reads_as_risk(contribution: Contribution, assessment: RiskAssessment) -> bool:
    if contribution.signal == "activity":
        percentile = assessment.signals.activity_percentile or 0.0
        return 100 - percentile >= LESS_ACTIVE_THAN_MOST
    if contribution.signal == "usage":  # the rhythm, which the recency line already says
        said = assessment.signals.usual_activity_gap_days is not None
        return not (said and any(c.signal == "recency" for c in assessment.contributions))
    return True


def is_shown(contribution: Contribution, assessment: RiskAssessment, horizon_days: int) -> bool:
    """False for a contribution that is not actionable alone, older than the horizon, or
    not a risk as the caller reads it."""
    if contribution.signal in NOT_ACTIONABLE_ALONE:
        return False
    if not _reads_as_risk(contribution, assessment):
        return False
    when = _dated(contribution, assessment)
    if when is None:
        return True
    return assessment.signals.as_of - when <= timedelta(days=horizon_days)


def shown_reasons(
    assessment: RiskAssessment, horizon_days: int, n: int = DEFAULT_SHOWN
) -> list[str]:
    """The `n` strongest reasons worth acting on, strongest first (may be fewer, or none)."""
    shown = [c.reason for c in assessment.contributions if is_shown(c, assessment, horizon_days)]
    return shown[:n]
