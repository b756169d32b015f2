"""Margins, "no clear change" and small samples as the digest shows them (no database)."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
from digest_helpers import WEEK, figures, sample
from matplotlib.image import imread

from insights.digest import Digest, WeekFigures, as_json, render_chart, render_text
from insights.digest.chart import PALE


def scored(week, promoters: int, detractors: int, n: int, csat: float = 80.0, csat_n: int = 40):
    """A week whose NPS is what its promoters and detractors make it."""
    return replace(
        figures(week),
        nps=round((promoters - detractors) * 100 / n, 2),
        promoters=promoters,
        detractors=detractors,
        nps_responses=n,
        csat=csat,
        csat_responses=csat_n,
    )


def with_weeks(previous: WeekFigures, current: WeekFigures, min_sample: int = 30) -> Digest:
    base = sample()
    weeks = (*base.weeks[:-2], previous, current)
    return replace(base, weeks=weeks, min_sample=min_sample)


def test_a_change_inside_the_margin_is_no_clear_change():
    # NPS 20 (20 and 10 of 50, ± 20.74) to 30 (25 and 10 of 50, ± 21.65): the difference
    # has a margin of sqrt(20.74² + 21.65²) = 29.98, so +10 is not a clear change.
    # CSAT 80% of 40 (± 12.40) to 85% of 40 (± 11.07): margin 16.6, +5 is not either.
    digest = with_weeks(scored(WEEK.shift(-1), 20, 10, 50), scored(WEEK, 25, 10, 50, csat=85.0))
    assert digest.current.nps_margin == 21.65
    text = render_text(digest)
    assert (
        "• NPS +30 ± 22 (n = 50) (no clear change vs last week: ▲ 10 is inside the ± 30 margin)"
        in text
    )
    assert (
        "• CSAT 85% satisfied ± 11 pt (n = 40) (no clear change vs last week: ▲ 5.0 pt is "
        "inside the ± 17 margin)" in text
    )
    assert "▲ 10 vs last week" not in text
    data = as_json(digest)
    assert (data["nps_margin"], data["csat_margin"]) == (21.65, 11.07)
    assert data["change"]["nps"] == 10.0 and data["change"]["nps_clear"] is False
    assert data["change"]["nps_margin"] == 29.98
    assert data["change"]["csat_clear"] is False


def test_a_change_outside_the_margin_keeps_its_arrow():
    # NPS 20 (160 and 80 of 400, ± 7.33) to 50 (240 and 40 of 400, ± 6.57): margin of the
    # difference sqrt(7.33² + 6.57²) = 9.84, so +30 is a clear rise.
    digest = with_weeks(scored(WEEK.shift(-1), 160, 80, 400), scored(WEEK, 240, 40, 400))
    text = render_text(digest)
    assert "• NPS +50 ± 7 (n = 400) (▲ 30 vs last week)" in text
    assert "no clear change vs last week: ▲ 30" not in text
    data = as_json(digest)
    assert data["change"]["nps_clear"] is True and data["change"]["nps_margin"] == 9.84


def test_small_samples_are_said_per_score():
    # 5 promoters, 2 detractors of 12: (7/12 - (3/12)²) / 12 = 0.0434, 1.96 × 0.2083 = 40.83.
    digest = with_weeks(scored(WEEK.shift(-1), 20, 10, 50), scored(WEEK, 5, 2, 12, csat_n=40))
    assert digest.current.nps_margin == 40.83
    text = render_text(digest)
    assert "NPS +25 ± 41 (n = 12)" in text
    assert "  small sample (n = 12 < 30): read with care" in text
    assert text.count("small sample (n =") == 1  # CSAT has 40 answers
    assert (
        "Small samples (fewer than 30 answers: read with care; NPS weeks greyed in the chart): "
        in text
    )
    assert "NPS in W47." in text
    data = as_json(digest)
    assert data["small_sample"] == {"nps": True, "csat": False}
    assert data["trend"]["small_sample"]["nps"] == [False] * 7 + [True]
    assert data["trend"]["nps_responses"][-1] == 12
    assert "small sample" not in render_text(replace(digest, min_sample=12))


def _pale_pixels(png: bytes) -> int:
    pixels = imread(io.BytesIO(png))[:, :, :3]
    pale = np.array([int(PALE[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return int((np.abs(pixels - pale).max(axis=2) < 0.01).sum())


def test_chart_greys_small_sample_weeks():
    small = with_weeks(scored(WEEK.shift(-1), 20, 10, 50), scored(WEEK, 5, 2, 12))
    png = render_chart(small)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # The small week's hollow marker and its margin bar are drawn in the pale grey ...
    assert _pale_pixels(png) > 100
    # ... which no week gets when every week has enough answers.
    assert _pale_pixels(render_chart(replace(small, min_sample=10))) == 0
