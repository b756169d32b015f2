"""95% margins of error for NPS and CSAT, and whether a change is bigger than the noise.

A score from 12 answers moves by ten points when one customer changes their mind; a
manager who is shown "▲ 10" for it acts on noise. These are the formulas every surface
(digest text, JSON, chart, `retention-bot metrics`) uses, so they agree with each other.

- **NPS** is the mean of a per-answer score of +1 (promoter), 0 (passive) or −1
  (detractor). With p = promoters / n and d = detractors / n its variance is
  E[x²] − E[x]² = p + d − (p − d)², so the standard error is sqrt((p + d − (p − d)²) / n)
  and the margin is 1.96 × that × 100, in NPS points.
- **CSAT** is a proportion q of satisfied answers; the margin is the normal
  approximation 1.96 × sqrt(q (1 − q) / n) × 100, in percentage points. Wilson's interval
  behaves better for tiny n, but it is not symmetric and every surface shows "± m"; the
  digest instead marks such weeks as small samples (`MIN_SAMPLE`), where the normal
  approximation (which is 0 when every answer agrees) should not be trusted anyway.
- **A change between two weeks** is "clear" only when it is at least the margin of the
  difference, sqrt(m1² + m2²): two independent samples, so their variances add. This is
  a 95% test of "the score moved", not of how much.
"""

from __future__ import annotations

import math

Z95 = 1.96


def nps_margin(promoters: int, detractors: int, answers: int) -> float | None:
    """± NPS points at 95%; None without answers (no score, so no margin either)."""
    if answers <= 0:
        return None
    p, d = promoters / answers, detractors / answers
    variance = max(p + d - (p - d) ** 2, 0.0) / answers  # max(): float noise below 0
    return round(Z95 * math.sqrt(variance) * 100, 2)


def csat_margin(satisfied_percent: float | None, answers: int) -> float | None:
    """± percentage points at 95% for a CSAT of `satisfied_percent` % from `answers`."""
    if answers <= 0 or satisfied_percent is None:
        return None
    q = min(max(satisfied_percent / 100, 0.0), 1.0)
    return round(Z95 * math.sqrt(q * (1 - q) / answers) * 100, 2)


def change_margin(margin: float | None, previous_margin: float | None) -> float | None:
    """The 95% margin of the difference of two independent scores: sqrt(m1² + m2²)."""
    if margin is None or previous_margin is None:
        return None
    return round(math.hypot(margin, previous_margin), 2)


def is_clear_change(
    change: float | None, margin: float | None, previous_margin: float | None
) -> bool:
    """True when |change| is at least the margin of the difference (a real move at 95%).

    Without margins (a week with no answers) there is no change to judge, so False.
    """
    combined = change_margin(margin, previous_margin)
    if change is None or combined is None:
        return False
    return abs(change) >= combined
