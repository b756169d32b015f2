"""How figures are written: percentages, signed NPS, changes, sparklines, money.

One set of rules for every renderer, so "▲ 0.4 pt" in Slack is "▲ 0.4 pt" in Telegram.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

_BARS = "▁▂▃▄▅▆▇█"
NO_DATA_MARK = "·"


def pct(value: float | None, decimals: int = 1) -> str:
    return "–" if value is None else f"{value:.{decimals}f}%"


MINUS = "\u2212"
"""The minus sign of every written negative (NPS, money changes): "−4", as typeset, never
a hyphen in one place and a minus in the next."""


def nps(value: float | None) -> str:
    """NPS is a score from −100 to +100 and is written with its sign: +18, −4, 0."""
    if value is None:
        return "–"
    rounded = round(value)
    return f"{rounded:+d}".replace("-", MINUS) if rounded else "0"


def count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def money(value: Decimal | float, currency: str | None = None) -> str:
    """`156,201.00` or `156,201.00 EUR`: thousands separated, the business's CURRENCY after."""
    text = f"{value:,.2f}"
    return f"{text} {currency}" if currency else text


def change(delta: float | int | None, unit: str = "") -> str:
    """`▲ 2.1 pt`, `▼ 3`, `no change`; empty when there is nothing to compare with."""
    if delta is None:
        return ""
    if isinstance(delta, float):
        delta = round(delta, 1)
    if delta == 0:
        return "no change"
    arrow = "▲" if delta > 0 else "▼"
    size = abs(delta)
    text = f"{size:.1f}" if isinstance(size, float) else f"{size:,}"
    return f"{arrow} {text}{' ' + unit if unit else ''}"


def sparkline(values: Sequence[float | int | None]) -> str:
    """Eight weeks in eight characters; a week without data is a dot."""
    known = [v for v in values if v is not None]
    if not known:
        return NO_DATA_MARK * len(values)
    low, high = min(known), max(known)
    span = high - low
    out = []
    for value in values:
        if value is None:
            out.append(NO_DATA_MARK)
        elif span == 0:
            out.append(_BARS[3])
        else:
            out.append(_BARS[round((value - low) / span * (len(_BARS) - 1))])
    return "".join(out)


def margin(value: float | None, unit: str = "") -> str:
    """` ± 12` or ` ± 4 pt`: a 95% margin of error, whole points; empty when unknown."""
    if value is None:
        return ""
    return f" ± {round(value)}{' ' + unit if unit else ''}"
