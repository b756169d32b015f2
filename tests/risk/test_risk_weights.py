"""The shipped weights load and explain themselves; custom weights are validated."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from insights.risk import (
    DEFAULT_WEIGHTS_FILE,
    RiskSignals,
    default_weights,
    load_weights,
    parse_weights,
    score,
)
from insights.risk.weights import SCHEMA

AS_OF = datetime(2026, 11, 24, tzinfo=UTC)


def test_risk_default_weights_load_once_and_match_the_file() -> None:
    assert default_weights() is default_weights()
    assert load_weights() is default_weights()
    assert load_weights(DEFAULT_WEIGHTS_FILE) == default_weights()
    assert 0 < default_weights().baseline_score < 10


def test_risk_every_shipped_weight_has_a_comment() -> None:
    lines = DEFAULT_WEIGHTS_FILE.read_text(encoding="utf-8").splitlines()
    keys = 0
    for number, line in enumerate(lines):
        if re.match(r"^\s*\w+\s*=", line):
            keys += 1
            above = lines[number - 1].lstrip()
            assert "#" in line or above.startswith("#"), f"no comment for: {line}"
    assert keys == sum(len(table) for table in SCHEMA.values()) + 10  # + reason points


def test_risk_custom_weights_override_only_what_they_name() -> None:
    custom = parse_weights("[exit_intent]\npoints = 0.0\n[model]\nbaseline_log_odds = 0.0\n")
    assert custom.exit_intent_points == 0.0
    assert custom.baseline_score == 50
    assert custom.tenure_max_points == default_weights().tenure_max_points
    leaving = RiskSignals(as_of=AS_OF, mrr=100, exit_intent=True)
    assert score(leaving, custom).score == 50
    assert score(leaving, custom).contributions == []
    assert score(leaving).score > 50


def test_risk_custom_reason_points_merge_with_the_defaults() -> None:
    custom = parse_weights("[churn_reason.points]\nprice = 2.0\n")
    assert custom.churn_reason_points["price"] == 2.0
    assert (
        custom.churn_reason_points["competitor"]
        == default_weights().churn_reason_points["competitor"]
    )
    signals = RiskSignals(as_of=AS_OF, mrr=1, churn_reasons=("price",))
    assert score(signals, custom).score > score(signals).score


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[recency]\nmax_pointz = 1.0", "recency.max_pointz"),
        ("[recency]\nmax_points = -1.0", "recency.max_points"),
        ("[recency]\nmax_points = 'high'", "recency.max_points"),
        ("[recency]\nfull_ratio = 1.5", "recency.full_ratio"),
        ("[recency]\nmin_usual_gap_days = 0.0", "recency.min_usual_gap_days"),
        ("[tenure]\nnew_until_days = 0", "tenure.new_until_days"),
        ("[freshness]\nzero_days = 10.0", "freshness.zero_days"),
        ("[windows]\npayments_days = 0", "windows.payments_days"),
        ("[windows]\npayments_days = 7.5", "windows.payments_days"),
        ("[churn_reason.points]\nweather = 1.0", "churn_reason.points.weather"),
        ("[churn_reason.points]\nprice = true", "churn_reason.points.price"),
        ("[churn_reason]\npoints = 3", "churn_reason.points"),
        ("[exit_intent]\npoints = nan", "exit_intent.points"),
        ("[activity]\nquiet_below_percentile = 150.0", "activity.quiet_below_percentile"),
        ("[recency.extra]\nx = 1", "recency.extra"),
        ("[scoring]\nx = 1", "[scoring]"),
        ("model = 3", "model"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_risk_bad_weights_raise_a_clear_error_naming_the_key(text: str, named: str) -> None:
    with pytest.raises(ValueError, match=re.escape(named)) as error:
        parse_weights(text, "custom-weights.toml")
    assert str(error.value).startswith("custom-weights.toml: ")
