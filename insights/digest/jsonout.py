"""The digest as JSON: this week's figures flat at the top, then changes, trends and lists.

`jq .nps`, `jq .change.nps` and `jq .trend.nps` read naturally; undefined figures are
`null` (never 0), money is a string with two decimals, times are ISO 8601.
"""

from __future__ import annotations

import json
from typing import Any

from insights.digest.model import Digest
from insights.digest.revenue import revenue_json

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
    "customers_start",
    "customers_end",
    "new_customers",
    "voluntary_churn_rate",
    "involuntary_churn_rate",
)


def as_json(digest: Digest) -> dict[str, Any]:
    current = digest.current
    data: dict[str, Any] = {
        "week": str(digest.week),
        "period": {
            "start": digest.period_start.isoformat(),
            "end": digest.period_end.isoformat(),
            "timezone": digest.timezone,
            "label": digest.week.span(),
        },
        "has_data": digest.has_data,
    }
    for name in FIGURES:
        data[name] = current.value(name)
    for name in COUNTS:
        data[name] = getattr(current, name)
    data["change"] = {name: digest.figure(name).change for name in FIGURES}
    data["trend"] = {"weeks": [str(w.week) for w in digest.weeks]}
    for name in FIGURES:
        data["trend"][name] = list(digest.figure(name).trend)
    bench = digest.benchmark
    data["retention_benchmark"] = (
        None
        if bench is None
        else {
            "industry": bench.industry,
            "label": bench.label,
            "annual_rate": bench.annual_rate,
            "annualised_rate": bench.annualised_rate,
            "weeks_used": bench.weeks_used,
        }
    )
    data["top_reasons"] = [
        {
            "reason": r.key,
            "label": r.label,
            "customers": r.customers,
            "quote": r.quote,
            "quote_language": r.quote_language,
        }
        for r in digest.reasons
    ]
    data["at_risk"] = [
        {
            "external_id": e.external_id,
            "name": e.name,
            "plan": e.plan,
            "churn_probability": round(e.probability, 6),
            "horizon_days": e.horizon_days,
            "mrr": f"{e.mrr:.2f}",
            "revenue_at_risk": f"{e.revenue_at_risk:.2f}",
            "reasons": list(e.reasons),
        }
        for e in digest.at_risk
    ]
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
    revenue = revenue_json(digest)
    change = revenue.pop("change", {})
    data.update(revenue)
    data["change"].update(change)
    data["generated_at"] = digest.generated_at.isoformat()
    return data


def render_json(digest: Digest) -> str:
    return json.dumps(as_json(digest), ensure_ascii=False, indent=2)
