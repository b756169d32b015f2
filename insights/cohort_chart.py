"""The cohort table as a heatmap PNG: one row per sign-up cohort, one column per period.

Made to be read, not decoded: the percentage is written in every cell, the colour runs
from light (few kept) to dark (all kept) on a fixed 0-100% scale so two charts compare,
each row is labelled with its cohort and size, and periods that have not ended are left
blank (not drawn as 0). Undefined cells (an empty cohort, a cohort with no starting MRR)
are grey with a dash. The figure grows with the table, so 24 cohorts × 24 periods keep
cells large enough for their numbers. matplotlib's Agg canvas, no pyplot (thread-safe),
imported only by the code that draws.
"""

from __future__ import annotations

import io
import math

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from insights.cohorts import Cohort, CohortTable

INK, GREY, UNDEFINED = "#0f172a", "#64748b", "#e2e8f0"
DPI = 100


def render_heatmap(table: CohortTable, periods: int | None = None) -> bytes:
    """PNG bytes of `table` (the first `periods` periods; all by default)."""
    shown = _shown(table, periods)
    rows = max(len(table.cohorts), 1)
    width = max(9.0, 3.2 + 0.62 * max(shown, 1))
    height = max(5.5, 2.7 + 0.4 * rows)
    figure = Figure(figsize=(width, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    top = 1 - 1.75 / height
    figure.subplots_adjust(left=2.0 / width, right=1 - 1.3 / width, top=top, bottom=0.45 / height)
    left = 0.3 / width
    figure.text(left, 1 - 0.25 / height, title(table), fontsize=17, fontweight="bold",
                color=INK, va="top")  # fmt: skip
    figure.text(left, 1 - 0.65 / height, subtitle(table), fontsize=11, color=GREY, va="top",
                linespacing=1.5)  # fmt: skip
    ax = figure.add_subplot()
    draw_heatmap(ax, table, shown, figure=figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _shown(table: CohortTable, periods: int | None) -> int:
    return table.periods if periods is None else min(periods, table.periods)


def title(table: CohortTable) -> str:
    what = "Customer" if table.metric == "customers" else "Revenue (MRR)"
    return f"{what} retention by sign-up {table.by}"


def subtitle(table: CohortTable) -> str:
    unit = table.by
    if table.metric == "customers":
        meaning = f"Share of each {unit}'s sign-ups still customers at the end of {unit} k"
    else:
        meaning = f"Each cohort's MRR at the end of {unit} k, % of its MRR at the end of {unit} 0"
    as_of = table.as_of.strftime("%d %b %Y").lstrip("0")
    base = "no sign-ups" if table.metric == "customers" else "no sign-ups or no MRR to start"
    return f"{meaning}\nBlank: not ended yet · –: {base} · as of {as_of} ({table.timezone})"


def _size(table: CohortTable, cohort: Cohort) -> str:
    if table.metric == "customers":
        return f"{cohort.customers:,}"
    return "–" if cohort.start_mrr is None else f"{cohort.start_mrr:,.0f}"


def _label(table: CohortTable, index: int) -> str:
    """`2026-03     412`: the cohort and its size (or starting MRR), in columns."""
    width = max(len(_size(table, c)) for c in table.cohorts)
    cohort = table.cohorts[index]
    return f"{cohort.label:<8}  {_size(table, cohort):>{width}}"


def draw_heatmap(
    ax: Axes, table: CohortTable, periods: int, figure: Figure | None = None, font: float = 10.5
) -> None:
    """Draw the table on `ax`; a colour bar too when `figure` is given."""
    rows = len(table.cohorts)
    values = np.full((max(rows, 1), max(periods, 1)), math.nan)
    undefined = np.zeros_like(values, dtype=bool)
    for i, cohort in enumerate(table.cohorts):
        for k, value in enumerate(cohort.retention[:periods]):
            if value is None:
                undefined[i, k] = True
            else:
                values[i, k] = value
    known = values[~np.isnan(values)]
    top = max(100.0, float(known.max()) if known.size else 100.0)
    norm = Normalize(vmin=0, vmax=top)
    cmap = colormaps["Blues"].with_extremes(bad="white")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto")
    for i in range(rows):
        for k in range(periods):
            if undefined[i, k]:
                ax.add_patch(_cell(i, k))
                ax.text(k, i, "–", ha="center", va="center", fontsize=font, color=GREY)
            elif not math.isnan(values[i, k]):
                value = values[i, k]
                dark = norm(value) > 0.55
                ax.text(
                    k, i, f"{value:.0f}", ha="center", va="center", fontsize=font,
                    color="white" if dark else INK, fontweight="bold" if k == 0 else "normal",
                )  # fmt: skip
    unit = table.by
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xticks(range(periods), [str(k) for k in range(periods)])
    ax.set_xlabel(f"{unit.capitalize()}s after sign-up (0 = the sign-up {unit})", fontsize=12,
                  color=INK, labelpad=8)  # fmt: skip
    ax.set_yticks(range(rows), [_label(table, i) for i in range(rows)], fontfamily="monospace")
    size = "customers" if table.metric == "customers" else f"MRR at the end of {unit} 0"
    ax.set_ylabel(f"Sign-up {unit}  ·  {size}", fontsize=12, color=INK)
    ax.tick_params(length=0, labelsize=font, colors=INK)
    for spine in ax.spines.values():
        spine.set_visible(False)
    # Thin white gaps between cells make rows and columns easy to follow.
    ax.set_xticks([x - 0.5 for x in range(1, periods)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, rows)], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    if figure is not None:
        bar = figure.colorbar(image, ax=ax, fraction=0.025, pad=0.015)
        bar.set_label("% retained", fontsize=11, color=INK)
        bar.ax.tick_params(labelsize=9, colors=INK, length=0)
        bar.outline.set_visible(False)


def _cell(row: int, column: int) -> object:
    from matplotlib.patches import Rectangle

    return Rectangle((column - 0.5, row - 0.5), 1, 1, facecolor=UNDEFINED, edgecolor="white")
