"""The digest chart as a PNG: NPS and churn over the trend weeks, and why leavers left.

Drawn for a phone: 1080 px wide, portrait, three stacked panels with large type, values
written on the marks (nobody reads an axis on a phone) and a week without data marked
"no data" rather than drawn as zero. Rendered with matplotlib's Agg canvas directly (no
pyplot): no display, no global figure state, safe to call from a worker thread.
"""

from __future__ import annotations

import io
import math

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from insights.digest import numbers as fmt
from insights.digest.model import Digest
from insights.digest.revenue_chart import draw_mrr_movements

WIDTH_PX, HEIGHT_PX, DPI = 1080, 1440, 100
REVENUE_PX = 380  # added below the three panels when the digest has revenue figures
TITLE, LABEL, TICK, VALUE = 34, 24, 20, 20
BLUE, RED, AMBER, GREY, INK = "#2563eb", "#dc2626", "#f59e0b", "#64748b", "#0f172a"
PALE = "#94a3b8"  # small-sample weeks


def render_chart(digest: Digest) -> bytes:
    """PNG bytes of the digest chart."""
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    revenue = digest.revenue
    if revenue is not None:  # a fourth, smaller panel: the week's MRR movements
        figure.set_size_inches(WIDTH_PX / DPI, (HEIGHT_PX + REVENUE_PX) / DPI)
    ratios = (1, 1, 1.15) + ((0.8,) if revenue is not None else ())
    grid = figure.add_gridspec(len(ratios), 1, height_ratios=ratios, hspace=0.55)
    figure.subplots_adjust(left=0.12, right=0.96, top=0.9, bottom=0.05)
    figure.suptitle(
        f"Week {digest.week.week} · {digest.week.span()}",
        fontsize=TITLE,
        fontweight="bold",
        color=INK,
    )
    labels = [f"W{w.week.week}" for w in digest.weeks]
    _nps(figure.add_subplot(grid[0]), labels, digest)
    _churn(
        figure.add_subplot(grid[1]),
        labels,
        [w.voluntary_churn_rate for w in digest.weeks],
        [w.involuntary_churn_rate for w in digest.weeks],
    )
    _reasons(figure.add_subplot(grid[2]), digest)
    if revenue is not None:
        draw_mrr_movements(figure.add_subplot(grid[3]), revenue, LABEL, TICK)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _style(ax: Axes, title: str) -> None:
    ax.set_title(title, fontsize=LABEL + 2, loc="left", color=INK, pad=14)
    ax.tick_params(labelsize=TICK, colors=INK, length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(GREY)
    ax.grid(axis="y", color="#e2e8f0", linewidth=1)
    ax.set_axisbelow(True)


def _no_data(ax: Axes, x: int, y: float) -> None:
    ax.annotate("no\ndata", (x, y), ha="center", va="bottom", fontsize=TICK - 4, color=GREY)


def _nps(ax: Axes, labels: list[str], digest: Digest) -> None:
    _style(ax, "NPS ± 95% margin")
    values = [w.nps for w in digest.weeks]
    margins = [w.nps_margin or 0.0 for w in digest.weeks]
    small = [w.small_sample("nps", digest.min_sample) for w in digest.weeks]
    xs = range(len(labels))
    ys = [math.nan if v is None else v for v in values]
    known = [v for v in values if v is not None]
    spread = max([m for v, m in zip(values, margins, strict=True) if v is not None] or [0.0])
    low = min([*known, 0.0]) - 25 - min(spread, 100)
    high = max([*known, 0.0]) + 25 + min(spread, 100)
    ax.set_ylim(max(low, -130), min(high, 130))
    ax.axhline(0, color=GREY, linewidth=1.2)
    ax.plot(xs, ys, color=BLUE, linewidth=4)
    for x, value, margin, thin in zip(xs, values, margins, small, strict=True):
        if value is None:
            _no_data(ax, x, 0)
            continue
        colour = PALE if thin else BLUE
        ax.errorbar(x, value, yerr=margin, color=colour, linewidth=2, capsize=6)
        ax.plot(
            x, value, marker="o", markersize=12, color=colour, zorder=3,
            markerfacecolor="white" if thin else colour, markeredgewidth=3,
        )  # fmt: skip
        below = value < 0  # keep the label off the zero line
        ax.annotate(
            fmt.nps(value),
            (x, value),
            textcoords="offset points",
            xytext=(14, -18 if below else 10),
            ha="left",
            va="top" if below else "bottom",
            fontsize=VALUE,
            fontweight="bold",
            color=GREY if thin else BLUE,
        )
    if any(small):
        ax.text(
            1.0, 1.02, f"hollow grey: fewer than {digest.min_sample} answers",
            transform=ax.transAxes, ha="right", va="bottom", fontsize=TICK - 4, color=GREY,
        )  # fmt: skip
    ax.set_xticks(list(xs), labels)
    ax.set_xlim(-0.5, len(labels) - 0.2)  # room for the last week's label on its right


def _churn(
    ax: Axes, labels: list[str], voluntary: list[float | None], involuntary: list[float | None]
) -> None:
    _style(ax, "Churn rate")
    xs = list(range(len(labels)))
    vol = [v or 0.0 for v in voluntary]
    invol = [v or 0.0 for v in involuntary]
    totals = [a + b for a, b in zip(vol, invol, strict=True)]
    ax.bar(xs, vol, color=RED, width=0.62, label="cancelled")
    ax.bar(xs, invol, bottom=vol, color=AMBER, width=0.62, label="failed payment")
    top = max([*totals, 0.1])
    ax.set_ylim(0, top * 1.35)
    for x, total, known in zip(xs, totals, voluntary, strict=True):
        if known is None:
            _no_data(ax, x, 0)
        else:
            ax.annotate(
                fmt.pct(total),
                (x, total),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=VALUE - 2,
                fontweight="bold",
                color=INK,
            )
    ax.set_xticks(xs, labels)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}%"))
    ax.legend(
        fontsize=TICK - 2, frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2
    )


def _reasons(ax: Axes, digest: Digest) -> None:
    lost = digest.current.lost_customers
    _style(ax, f"Why this week's {lost:,} leaver{'s' if lost != 1 else ''} left")
    ax.grid(False)
    reasons = list(digest.leaving_reasons)
    if reasons and digest.leavers_without_reason:
        ax.text(
            1.0, 1.02, f"{digest.leavers_without_reason:,} gave no reason",
            transform=ax.transAxes, ha="right", va="bottom", fontsize=TICK - 4, color=GREY,
        )  # fmt: skip
    if not reasons:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.spines["bottom"].set_visible(False)
        ax.text(
            0.5,
            0.5,
            "No leaver gave a reason this week" if lost else "No customers lost this week",
            ha="center",
            va="center",
            fontsize=LABEL,
            color=GREY,
            transform=ax.transAxes,
        )
        return
    reasons.reverse()  # drawn bottom-up: the biggest reason goes on top
    counts = [r.customers for r in reasons]
    # Each bar carries its label above it, so long labels need no left margin.
    ys = [index * 1.6 for index in range(len(reasons))]
    ax.barh(ys, counts, color="#7c3aed", height=0.7)
    for y, reason in zip(ys, reasons, strict=True):
        ax.text(0, y + 0.48, reason.label, fontsize=TICK, color=INK, va="bottom")
        ax.annotate(
            f"{reason.customers:,}",
            (reason.customers, y),
            textcoords="offset points",
            xytext=(8, 0),
            va="center",
            fontsize=VALUE,
            fontweight="bold",
            color=INK,
        )
    ax.set_yticks([])
    ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    ax.set_xlim(0, max(counts) * 1.15)
    ax.set_ylim(-0.6, ys[-1] + 1.4)
