"""Loading and validating the weights of the risk score.

Weights live in a TOML file rather than in code so that the retention team can
re-balance the score (through the ``RISK_WEIGHTS_FILE`` setting) without a release,
and so that every number has a comment next to it saying what it means. Because such
a file is edited by hand, loading is strict: an unknown key, a wrong type or a
nonsensical range raises ``ValueError`` naming the key, instead of silently scoring
with a typo. A custom file only needs the keys it changes; the rest come from the
shipped defaults.

The file is read once; :class:`Weights` is a frozen, flat value so the hot path of
scoring only does attribute look-ups.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from insights.risk.signals import CHURN_REASONS

DEFAULT_WEIGHTS_FILE = Path(__file__).with_name("weights.toml")

Kind = Literal["number", "nonneg", "positive", "days"]

#: Every table and key the weights file may contain, with what values are allowed:
#: "number" any finite number, "nonneg" a finite number >= 0, "positive" > 0 (it is
#: divided by or its log is taken), "days" an integer >= 1.
SCHEMA: dict[str, dict[str, Kind]] = {
    "model": {"baseline_log_odds": "number"},
    "windows": {
        "payments_days": "days",
        "complaints_days": "days",
        "support_days": "days",
        "feedback_days": "days",
        "activity_days": "days",
    },
    "recency": {
        "max_points": "nonneg",
        "normal_ratio": "positive",
        "full_ratio": "positive",
        "min_silent_days": "nonneg",
        "min_usual_gap_days": "positive",
        "default_usual_gap_days": "positive",
    },
    "activity": {"max_points": "nonneg", "quiet_below_percentile": "positive"},
    "tenure": {
        "max_points": "nonneg",
        "new_until_days": "positive",
        "settled_after_days": "positive",
    },
    "nps": {"max_points": "nonneg"},
    "csat": {"max_points": "nonneg"},
    "freshness": {"full_days": "nonneg", "zero_days": "nonneg"},
    "negative_feedback": {"points_each": "nonneg", "max_points": "nonneg"},
    "complaints": {"points_each": "nonneg", "max_points": "nonneg"},
    "churn_reason": {"max_points": "nonneg"},
    "payments": {
        "points_each_failure": "nonneg",
        "max_failure_points": "nonneg",
        "unrecovered_points": "nonneg",
    },
    "support": {
        "normal_tickets": "nonneg",
        "points_each_extra": "nonneg",
        "max_points": "nonneg",
    },
    "surveys": {"points_each_unanswered": "nonneg", "max_points": "nonneg"},
    "exit_intent": {"points": "nonneg"},
    "contract": {"monthly_points": "nonneg", "manual_payment_points": "nonneg"},
}

#: (smaller key, larger key): pairs whose order the curves rely on.
ORDERED_PAIRS: tuple[tuple[str, str], ...] = (
    ("recency.normal_ratio", "recency.full_ratio"),
    ("tenure.new_until_days", "tenure.settled_after_days"),
    ("freshness.full_days", "freshness.zero_days"),
)


@dataclass(frozen=True, slots=True)
class Weights:
    """Validated weights, flattened to ``<table>_<key>`` attributes.

    Log denominators used by the curves are precomputed here once, so ``score`` does
    no repeated work per customer.
    """

    model_baseline_log_odds: float
    windows_payments_days: int
    windows_complaints_days: int
    windows_support_days: int
    windows_feedback_days: int
    windows_activity_days: int
    recency_max_points: float
    recency_normal_ratio: float
    recency_full_ratio: float
    recency_min_silent_days: float
    recency_min_usual_gap_days: float
    recency_default_usual_gap_days: float
    activity_max_points: float
    activity_quiet_below_percentile: float
    tenure_max_points: float
    tenure_new_until_days: float
    tenure_settled_after_days: float
    nps_max_points: float
    csat_max_points: float
    freshness_full_days: float
    freshness_zero_days: float
    negative_feedback_points_each: float
    negative_feedback_max_points: float
    complaints_points_each: float
    complaints_max_points: float
    churn_reason_max_points: float
    payments_points_each_failure: float
    payments_max_failure_points: float
    payments_unrecovered_points: float
    support_normal_tickets: float
    support_points_each_extra: float
    support_max_points: float
    surveys_points_each_unanswered: float
    surveys_max_points: float
    exit_intent_points: float
    contract_monthly_points: float
    contract_manual_payment_points: float
    churn_reason_points: Mapping[str, float]
    recency_log_span: float = field(init=False)
    tenure_log_span: float = field(init=False)
    freshness_span_days: float = field(init=False)
    baseline_score: int = field(init=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "baseline_score", to_score(self.model_baseline_log_odds))
        set_(
            self, "recency_log_span", math.log(self.recency_full_ratio / self.recency_normal_ratio)
        )
        set_(
            self,
            "tenure_log_span",
            math.log(self.tenure_settled_after_days / self.tenure_new_until_days),
        )
        set_(self, "freshness_span_days", self.freshness_zero_days - self.freshness_full_days)


def to_score(log_odds: float) -> int:
    """Map log-odds to the 0-100 score: 100 x logistic, rounded half up.

    Rounding is monotone, so a higher sum of points can never give a lower score.
    """
    if log_odds <= -700.0:  # math.exp would overflow; the probability is 0 anyway
        return 0
    return math.floor(100.0 * (1.0 / (1.0 + math.exp(-log_odds))) + 0.5)


def default_weights() -> Weights:
    """The shipped weights, read and validated once per process."""
    return _load_default()


@cache
def _load_default() -> Weights:
    return _build(_default_data(), str(DEFAULT_WEIGHTS_FILE))


def _default_data() -> dict[str, Any]:
    """The shipped file as nested dicts, a fresh copy each call (callers merge into it)."""
    return copy.deepcopy(_default_data_cached())


@cache
def _default_data_cached() -> dict[str, Any]:
    text = DEFAULT_WEIGHTS_FILE.read_text(encoding="utf-8")
    return _parse(text, str(DEFAULT_WEIGHTS_FILE))


def load_weights(path: str | PathLike[str] | None = None) -> Weights:
    """Load weights from ``path`` (the ``RISK_WEIGHTS_FILE`` setting), or the defaults.

    Keys missing from a custom file keep their default value. Raises ``ValueError``
    naming the offending key for unknown tables or keys, non-numeric values, negative
    weights and inverted ranges; ``FileNotFoundError`` if the file does not exist.
    """
    if path is None:
        return default_weights()
    source = Path(path)
    return parse_weights(source.read_text(encoding="utf-8"), str(source))


def parse_weights(text: str, source: str = "<weights>") -> Weights:
    """Validate TOML ``text`` as a weights override on top of the shipped defaults.

    ``source`` names the origin in error messages. This is :func:`load_weights`
    without the file read, so settings code and tests can pass text directly.
    """
    custom = _parse(text, source)
    merged = _default_data()
    for table, values in custom.items():
        if table not in merged:
            raise ValueError(f"{source}: unknown table [{table}]; known: {sorted(merged)}")
        if not isinstance(values, dict):
            raise ValueError(f"{source}: '{table}' must be a table")
        target = merged[table]
        for key, value in values.items():
            if key == "points" and table == "churn_reason" and isinstance(value, dict):
                target["points"] = {**target["points"], **value}
            else:
                target[key] = value
    return _build(merged, source)


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{source}: not valid TOML: {error}") from error


def _build(data: dict[str, Any], source: str) -> Weights:
    flat: dict[str, Any] = {}
    for table, values in data.items():
        allowed = SCHEMA.get(table)
        if allowed is None or not isinstance(values, dict):
            raise ValueError(f"{source}: unknown table [{table}]; known: {sorted(SCHEMA)}")
        for key, value in values.items():
            name = f"{table}.{key}"
            if table == "churn_reason" and key == "points":
                flat["churn_reason_points"] = _reason_points(value, source)
                continue
            kind = allowed.get(key)
            if kind is None:
                raise ValueError(f"{source}: unknown key '{name}'; known: {sorted(allowed)}")
            flat[f"{table}_{key}"] = _check(name, value, kind, source)
    for table, allowed in SCHEMA.items():
        for key in allowed:
            if f"{table}_{key}" not in flat:
                raise ValueError(f"{source}: missing key '{table}.{key}'")
    if "churn_reason_points" not in flat:
        raise ValueError(f"{source}: missing table [churn_reason.points]")
    for low, high in ORDERED_PAIRS:
        low_value = flat[low.replace(".", "_")]
        if flat[high.replace(".", "_")] <= low_value:
            raise ValueError(f"{source}: '{high}' must be greater than '{low}'")
    if flat["activity_quiet_below_percentile"] > 100:
        raise ValueError(f"{source}: 'activity.quiet_below_percentile' must be 0-100")
    return Weights(**flat)


def _check(name: str, value: Any, kind: Kind, source: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{source}: '{name}' must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{source}: '{name}' must be finite, got {value!r}")
    if kind == "days":
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{source}: '{name}' must be a whole number of days >= 1")
        return value
    if kind == "nonneg" and value < 0:
        raise ValueError(f"{source}: '{name}' must not be negative, got {value!r}")
    if kind == "positive" and value <= 0:
        raise ValueError(f"{source}: '{name}' must be greater than 0, got {value!r}")
    return float(value)


def _reason_points(value: Any, source: str) -> Mapping[str, float]:
    if not isinstance(value, dict):
        raise ValueError(f"{source}: 'churn_reason.points' must be a table")
    points: dict[str, float] = {}
    for key, raw in value.items():
        name = f"churn_reason.points.{key}"
        if key not in CHURN_REASONS:
            raise ValueError(f"{source}: unknown key '{name}'; known: {sorted(CHURN_REASONS)}")
        points[key] = float(_check(name, raw, "nonneg", source))
    missing = sorted(set(CHURN_REASONS) - set(points))
    if missing:
        raise ValueError(f"{source}: missing key 'churn_reason.points.{missing[0]}'")
    return MappingProxyType(points)
