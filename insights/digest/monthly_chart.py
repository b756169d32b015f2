"""The monthly digest's chart: the weekly chart's panels over months, and the cohort heatmap.

Same phone-first layout as `insights.digest.chart` (1080 px wide, large type, values on
the marks), one panel longer: NPS and churn by month, the month's churn reasons, its MRR
movements when there is revenue (`insights.digest.revenue_chart`, as in the weekly chart),
then retention by sign-up month (`insights.cohort_chart`), the table the digest's text
lists. A month under way is marked "so far": in the title, under its label, and its churn
bar hatched and pale.
"""

from __future__ import annotations

import io

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from insights.cohort_chart import draw_heatmap
from insights.digest.chart import (
    DPI,
    INK,
    LABEL,
    REVENUE_PX,
    TICK,
    TITLE,
    WIDTH_PX,
    _churn,
    _nps,
    _reasons,
    _style,
)
from insights.digest.model import Digest
from insights.digest.monthly import _months
from insights.digest.months import Month
from insights.digest.revenue_chart import draw_mrr_movements

HEIGHT_PX = 2500
ROOM_PX = 80  # with the MRR panel: its labels clear of the cohort heading below


def _label(period: object) -> str:
    return period.short() if isinstance(period, Month) else str(period)


def _mark_so_far(churn: Axes) -> None:
    """The month under way's churn bars hatched and pale: a few days, not a whole month."""
    for bars in churn.containers:
        if isinstance(bars, BarContainer) and bars.patches:
            bars.patches[-1].set_alpha(0.4)
            bars.patches[-1].set_hatch("//")


def render_monthly_chart(digest: Digest) -> bytes:
    """PNG bytes of the monthly digest chart; the MRR-movement panel when there is revenue."""
    revenue = digest.revenue
    height = HEIGHT_PX + (REVENUE_PX + ROOM_PX if revenue is not None else 0)
    figure = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    ratios = (1, 1, 1.15) + ((0.8,) if revenue is not None else ()) + (2.6,)
    grid = figure.add_gridspec(
        len(ratios), 1, height_ratios=ratios, hspace=0.5 if revenue is not None else 0.42
    )
    figure.subplots_adjust(left=0.2, right=0.97, top=0.94, bottom=0.02)
    so_far = " · so far" if digest.so_far else ""
    figure.suptitle(f"{digest.week.span()}{so_far}", fontsize=TITLE, fontweight="bold", color=INK)
    labels = [_label(w.week) for w in digest.weeks]
    if digest.so_far:  # the month under way, on its marks
        labels[-1] += "\nso far"
    _nps(figure.add_subplot(grid[0]), labels, digest)
    churn = figure.add_subplot(grid[1])
    _churn(
        churn,
        labels,
        [w.voluntary_churn_rate for w in digest.weeks],
        [w.involuntary_churn_rate for w in digest.weeks],
    )
    if digest.so_far:
        _mark_so_far(churn)
    _reasons(figure.add_subplot(grid[2]), digest)
    for panel in figure.axes:  # the weekly panels' titles, said in months
        title = _months(panel.get_title(loc="left"))
        panel.set_title(title, loc="left", fontsize=LABEL + 2, color=INK, pad=14)
    if revenue is not None:
        money = figure.add_subplot(grid[3])
        draw_mrr_movements(money, revenue, LABEL, TICK, "this month")  # "so far": on top
        title = money.get_title(loc="left")  # smaller: its NRR fits beside the wider margin
        money.set_title(title, loc="left", fontsize=LABEL, color=INK, pad=14)
    ax = figure.add_subplot(grid[-1])
    table = digest.cohorts
    if table is not None and table.cohorts:
        draw_heatmap(ax, table, table.periods, font=15)
        _style(ax, "Cohorts: % of sign-ups still customers")
        ax.grid(False)
        ax.set_xlabel("months after the sign-up month →", fontsize=TICK - 2, color=INK)
        ax.set_ylabel("")
        ax.tick_params(labelsize=15)
    else:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No cohorts yet", ha="center", va="center", fontsize=LABEL,
                transform=ax.transAxes)  # fmt: skip
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()
