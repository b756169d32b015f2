"""Industry retention benchmarks, and our weekly retention put on the same (annual) footing.

The benchmark figures are annual customer retention rates per industry, as given by the
product owner (see docs/digest.md). A week's retention rate is close to 100% for any
healthy business, so comparing it to "81%" would say nothing: the digest compounds the
weekly rates of the trend window and scales them to a year,
    annualised = (r1 × r2 × … × rn) ^ (52.18 / n),
which is the annual retention the business would have if the last n weeks repeated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from insights.digest.model import Benchmark

WEEKS_PER_YEAR = 365.2425 / 7

INDUSTRIES: dict[str, tuple[str, float]] = {
    "retail": ("retail", 63.0),
    "banking": ("banking", 75.0),
    "telecom": ("telecom", 78.0),
    "it": ("IT services", 81.0),
    "insurance": ("insurance", 83.0),
    "professional_services": ("professional services", 84.0),
    "media": ("media", 84.0),
}


def annualised(weekly_rates: Iterable[float | None]) -> tuple[float | None, int]:
    """Annual retention (%) implied by the weekly rates that are defined, and how many."""
    rates = [rate for rate in weekly_rates if rate is not None]
    if not rates or any(rate <= 0 for rate in rates):
        return None, len(rates)
    log_sum = sum(math.log(rate / 100) for rate in rates)
    return round(100 * math.exp(log_sum * WEEKS_PER_YEAR / len(rates)), 1), len(rates)


def benchmark(industry: str | None, weekly_rates: Iterable[float | None]) -> Benchmark | None:
    if industry is None:
        return None
    if industry not in INDUSTRIES:
        raise ValueError(f"unknown industry {industry!r}; known: {', '.join(INDUSTRIES)}")
    label, annual = INDUSTRIES[industry]
    rate, used = annualised(weekly_rates)
    return Benchmark(
        industry=industry, label=label, annual_rate=annual, annualised_rate=rate, weeks_used=used
    )
