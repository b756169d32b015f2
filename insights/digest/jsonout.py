"""The digest as JSON: this week's figures flat at the top, then changes, trends and lists.

`jq .nps`, `jq .change.nps` and `jq .trend.nps` read naturally; undefined figures are
`null` (never 0), money is a string with two decimals, times are ISO 8601. `nps_margin`
and `csat_margin` are ± 95% half-widths in points; `change.nps_clear` says whether the
change is outside the margin of the difference.
"""

from __future__ import annotations

import json
from typing import Any

from insights.digest.model import Digest, ReasonCount, RiskEntry
from insights.digest.revenue import revenue_json
from insights.margins import change_margin, is_clear_change

FIGURES = (
    "nps",
    "csat",
    "answers",
    "response_rate",
    "churn_rate",
    "retention_rate",
    "lost_customers",
    "lost_voluntary",
    "lost_involuntary",
)
COUNTS = (
    "nps_responses",
    "csat_responses",
    "surveys_sent",
    "surveys_answered",
    "customers_start",
    "customers_end",
    "new_customers",
    "voluntary_churn_rate",
    "involuntary_churn_rate",
)


def _period(digest: Digest) -> dict[str, Any]:
    """Which week (or month) this is, and how much of it the figures cover."""
    return {
        "week": str(digest.week),
        "period": {
            "start": digest.period_start.isoformat(),
            "end": digest.period_end.isoformat(),
            "timezone": digest.timezone,
            "label": digest.week.span(),
        },
        "has_data": digest.has_data,
        "so_far": digest.so_far,
        "covered_until": digest.covered_until.isoformat() if digest.covered_until else None,
        "before_first_data": digest.before_first_data,
    }


def _benchmark(digest: Digest) -> dict[str, Any] | None:
    bench = digest.benchmark
    if bench is None:
        return None
    return {
        "industry": bench.industry,
        "label": bench.label,
        "annual_rate": bench.annual_rate,
        "annualised_rate": bench.annualised_rate,
        "weeks_used": bench.weeks_used,
    }


def _at_risk_entry(entry: RiskEntry) -> dict[str, Any]:
    return {
        "external_id": entry.external_id,
        "name": entry.name,
        "plan": entry.plan,
        "churn_probability": round(entry.probability, 6),
        "horizon_days": entry.horizon_days,
        "mrr": f"{entry.mrr:.2f}",
        "revenue_at_risk": f"{entry.revenue_at_risk:.2f}",
        "reasons": list(entry.reasons),
        "new_to_list": entry.new_to_list,
        "owner": entry.owner,
        "last_contacted_at": (
            entry.last_contacted_at.isoformat() if entry.last_contacted_at else None
        ),
    }


def _figures_and_trends(data: dict[str, Any], digest: Digest) -> None:
    """This week's figures flat, their changes and trends, and the margins around them."""
    current = digest.current
    for name in FIGURES:
        data[name] = current.value(name)
    for name in COUNTS:
        data[name] = getattr(current, name)
    data["change"] = {name: digest.figure(name).change for name in FIGURES}
    data["trend"] = {"weeks": [str(w.week) for w in digest.weeks]}
    for name in FIGURES:
        data["trend"][name] = list(digest.figure(name).trend)
    _margins(data, digest)


def _risk_and_follow_ups(data: dict[str, Any], digest: Digest) -> None:
    """Who is at risk and what the team did about the alerts."""
    data["at_risk"] = [_at_risk_entry(e) for e in digest.at_risk]
    data["at_risk_as_of"] = digest.at_risk_as_of.isoformat() if digest.at_risk_as_of else None
    data["revenue_at_risk"] = f"{digest.revenue_at_risk:.2f}"
    data["risk_horizon_days"] = digest.risk_horizon_days
    data["risk_model"] = digest.risk_model_note
    data["follow_ups"] = {
        "opened": digest.follow_ups.opened,
        "contacted": digest.follow_ups.contacted,
        "resolved": digest.follow_ups.resolved,
    }
    data["saves_accepted"] = digest.saves_accepted
    data["tagging_model"] = _tagging_model(digest)


def _tagging_model(digest: Digest) -> dict[str, Any] | None:
    """The company tagger models in use (`null`: the shipped ones), what they learned from."""
    tm = digest.tagging_model
    if tm is None:
        return None
    return {
        "languages": list(tm.languages),
        "versions": dict(zip(tm.languages, tm.versions, strict=True)),
        "corrections": tm.corrections,
        "labels": tm.labels,
        "trained_at": tm.trained_at.isoformat(),
    }


def as_json(digest: Digest) -> dict[str, Any]:
    data = _period(digest)
    _figures_and_trends(data, digest)
    data["retention_benchmark"] = _benchmark(digest)
    data["leaving_reasons"] = [_reason(r) for r in digest.leaving_reasons]
    data["leavers_without_reason"] = digest.leavers_without_reason
    data["feedback_reasons"] = [_reason(r) for r in digest.feedback_reasons]
    _risk_and_follow_ups(data, digest)
    data["edition"] = "monthly" if digest.monthly else "weekly"
    if digest.cohorts is not None:
        data["cohorts"] = digest.cohorts.as_json()
    revenue = revenue_json(digest)
    change = revenue.pop("change", {})
    data.update(revenue)
    data["change"].update(change)
    data["generated_at"] = digest.generated_at.isoformat()
    return data


def _reason(reason: ReasonCount) -> dict[str, Any]:
    return {
        "reason": reason.key,
        "label": reason.label,
        "customers": reason.customers,
        "quote": reason.quote,
        "quote_language": reason.quote_language,
    }


def _margins(data: dict[str, Any], digest: Digest) -> None:
    """± 95% margins (`insights.margins`), whether each change is clear, small samples."""
    current, previous = digest.current, digest.previous
    data["min_sample"] = digest.min_sample
    for score in ("nps", "csat"):
        margin = getattr(current, f"{score}_margin")
        before = getattr(previous, f"{score}_margin") if previous is not None else None
        change = data["change"][score]
        data[f"{score}_margin"] = margin
        data["change"][f"{score}_margin"] = change_margin(margin, before)
        data["change"][f"{score}_clear"] = (
            None if change is None else is_clear_change(change, margin, before)
        )
        data["trend"][f"{score}_margin"] = [getattr(w, f"{score}_margin") for w in digest.weeks]
        data["trend"][f"{score}_responses"] = [
            getattr(w, f"{score}_responses") for w in digest.weeks
        ]
    data["small_sample"] = {
        score: current.small_sample(score, digest.min_sample) for score in ("nps", "csat")
    }
    data["trend"]["small_sample"] = {
        score: [w.small_sample(score, digest.min_sample) for w in digest.weeks]
        for score in ("nps", "csat")
    }


def render_json(digest: Digest) -> str:
    return json.dumps(as_json(digest), ensure_ascii=False, indent=2)
