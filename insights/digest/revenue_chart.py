"""The chart's MRR-movement panel: the week's (or month's) new, expansion, reactivation, contraction
and churned MRR as bars, gains up in green, losses down in red, each with its amount.

Drawn on an Axes that `insights.digest.chart` hands over, in the same style.
"""

from __future__ import annotations

from matplotlib.axes import Axes

from insights.digest import numbers as fmt
from insights.digest.model import Revenue

GREEN, RED, GREY, INK = "#16a34a", "#dc2626", "#64748b", "#0f172a"


def draw_mrr_movements(
    ax: Axes, revenue: Revenue, label: int, tick: int, period: str = "this week"
) -> None:
    """The panel, titled with the edition's `period` ("this month" in the monthly chart)."""
    m = revenue.movements
    bars = (
        ("new", m.new, GREEN),
        ("expansion", m.expansion, GREEN),
        ("reactivation", m.reactivation, GREEN),
        ("contraction", -m.contraction, RED),
        ("churned", -m.churned, RED),
    )
    nrr = m.net_revenue_retention
    unit = f" ({revenue.currency})" if revenue.currency else ""  # once, not on every bar
    title = f"MRR movements{unit}, {period}"
    if nrr is not None:
        title += f" · NRR {fmt.pct(nrr)}"
    ax.set_title(title, fontsize=label + 2, loc="left", color=INK, pad=14)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.axhline(0, color=GREY, linewidth=1.2)  # labels stay below the panel, off the bars
    xs = list(range(len(bars)))
    values = [float(value) for _, value, _ in bars]
    ax.bar(xs, values, color=[colour for *_, colour in bars], width=0.62)
    reach = max([abs(v) for v in values] + [1.0])
    ax.set_ylim(-reach * 1.5, reach * 1.5)
    for x, value in zip(xs, values, strict=True):
        sign = "+" if value > 0 else fmt.MINUS if value < 0 else ""
        ax.annotate(
            f"{sign}{fmt.money(abs(value))}",
            (x, value),
            textcoords="offset points",
            xytext=(0, 6 if value >= 0 else -6),
            ha="center",
            va="bottom" if value >= 0 else "top",
            fontsize=tick - 2,
            fontweight="bold",
            color=INK,
        )
    ax.set_xticks(xs, [name for name, *_ in bars])
    ax.tick_params(labelsize=tick - 2, colors=INK, length=0, labelbottom=True)
    ax.set_yticks([])
