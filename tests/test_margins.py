"""95% margins of NPS and CSAT against hand computation (`insights.margins`)."""

from __future__ import annotations

import pytest

from insights.margins import change_margin, csat_margin, is_clear_change, nps_margin


def test_nps_margin_from_promoter_and_detractor_proportions():
    # 30 promoters, 18 passives, 10 detractors of 58: NPS +34.5. Per answer +1 / 0 / -1:
    # mean 20/58 = 0.3448, mean of squares 40/58 = 0.6897, variance 0.6897 - 0.1189 =
    # 0.5708; standard error sqrt(0.5708 / 58) = 0.0992; × 1.96 × 100 = 19.44 points.
    assert nps_margin(30, 10, 58) == pytest.approx(19.44, abs=0.01)
    # Half promoters, half detractors: variance 1 - 0 = 1; 1.96 × sqrt(1/100) × 100 = 19.6.
    assert nps_margin(50, 50, 100) == pytest.approx(19.6)
    # Four times the answers, half the margin.
    assert nps_margin(120, 40, 232) == pytest.approx(19.44 / 2, abs=0.01)


def test_nps_margin_edges():
    assert nps_margin(0, 0, 0) is None  # no answers: no score, no margin
    assert nps_margin(7, 0, 7) == 0.0  # all agree: the normal approximation says 0
    assert nps_margin(0, 0, 9) == 0.0  # all passives, NPS 0 every time


def test_csat_margin_is_the_normal_approximation():
    # 40 of 50 satisfied: 1.96 × sqrt(0.8 × 0.2 / 50) × 100 = 11.09 points.
    assert csat_margin(80.0, 50) == pytest.approx(11.09, abs=0.01)
    # 2 of 3: 1.96 × sqrt(0.6667 × 0.3333 / 3) × 100 = 53.34 points.
    assert csat_margin(66.67, 3) == pytest.approx(53.34, abs=0.01)
    assert csat_margin(None, 0) is None and csat_margin(50.0, 0) is None


def test_a_change_is_clear_only_outside_the_margin_of_the_difference():
    # Margins 12 and 9: the difference of two independent scores has sqrt(144 + 81) = 15.
    assert change_margin(12.0, 9.0) == 15.0
    assert not is_clear_change(14.0, 12.0, 9.0)
    assert not is_clear_change(-14.9, 12.0, 9.0)
    assert is_clear_change(15.0, 12.0, 9.0)
    assert is_clear_change(-16.0, 12.0, 9.0)
    # Nothing to compare with: no judgement either way.
    assert change_margin(12.0, None) is None
    assert not is_clear_change(None, 12.0, 9.0)
    assert not is_clear_change(20.0, None, 9.0)
