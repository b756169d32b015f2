"""The monthly digest's chart: the weekly chart's panels over months, and the cohort heatmap.

Same phone-first layout as `insights.digest.chart` (1080 px wide, large type, values on
the marks), one panel longer: NPS and churn by month, the month's churn reasons, then
retention by sign-up month (`insights.cohort_chart`), the table the digest's text lists.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from insights.cohort_chart import draw_heatmap
from insights.digest.chart import (
    DPI,
    INK,
    LABEL,
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

HEIGHT_PX = 2500


def _label(period: object) -> str:
    return period.short() if isinstance(period, Month) else str(period)


def render_monthly_chart(digest: Digest) -> bytes:
    """PNG bytes of the monthly digest chart."""
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(4, 1, height_ratios=(1, 1, 1.15, 2.6), hspace=0.42)
    figure.subplots_adjust(left=0.2, right=0.97, top=0.94, bottom=0.02)
    figure.suptitle(digest.week.span(), fontsize=TITLE, fontweight="bold", color=INK)
    labels = [_label(w.week) for w in digest.weeks]
    _nps(figure.add_subplot(grid[0]), labels, digest)
    _churn(
        figure.add_subplot(grid[1]),
        labels,
        [w.voluntary_churn_rate for w in digest.weeks],
        [w.involuntary_churn_rate for w in digest.weeks],
    )
    _reasons(figure.add_subplot(grid[2]), digest)
    for panel in figure.axes:  # the weekly panels' titles, said in months
        title = _months(panel.get_title(loc="left"))
        panel.set_title(title, loc="left", fontsize=LABEL + 2, color=INK, pad=14)
    ax = figure.add_subplot(grid[3])
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
