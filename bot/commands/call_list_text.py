"""The call list as plain text for a terminal: a table of numbers, reasons under each row.

A reasons column squeezed beside six others wraps into a ribbon a few letters wide at 80
columns, so each customer is one table row (the customer cell wraps if it must) followed
by indented lines: who owns them and when they were last contacted, then why to call,
wrapped to the full width. Every line fits `width` (at least MIN_WIDTH).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import datetime, tzinfo

from rich.cells import cell_len

from insights.at_risk import AtRiskCustomer
from insights.call_list import contact_note
from insights.digest import numbers
from insights.risk import percent

MIN_WIDTH = 60
INDENT = " " * 5
NEW_MARK = "NEW"
PLAN_WIDTH = 10


def _cut(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _pad(text: str, size: int) -> str:
    """Left-aligned in `size` terminal cells (a CJK character takes two)."""
    return text + " " * max(0, size - cell_len(text))


def _wrap_cells(text: str, size: int) -> list[str]:
    """Wrapped at words, then any line still wider than `size` cells cut where it fills."""
    out: list[str] = []
    for piece in textwrap.wrap(text, size) or [""]:
        line = ""
        for char in piece:
            if cell_len(line + char) > size:
                out.append(line)
                line = ""
            line += char
        out.append(line)
    return out


def render_call_list(
    rows: Sequence[AtRiskCustomer],
    *,
    as_of: datetime,
    tz: tzinfo,
    width: int = 80,
    currency: str | None = None,
) -> str:
    """A title, a header, one row per customer followed by its details, and no footer
    (the caller adds the model's one)."""
    width = max(width, MIN_WIDTH)
    horizon = rows[0].horizon_days if rows else 30
    unit = f" {currency}" if currency else ""
    titles = ["#", "plan", f"in {horizon}d", f"MRR{unit}", f"loss{unit}"]
    cells = [
        [
            str(n),
            _cut(row.plan or "", PLAN_WIDTH),
            percent(row.probability),
            numbers.money(row.mrr),
            numbers.money(row.revenue_at_risk),
        ]
        for n, row in enumerate(rows, start=1)
    ]
    sizes = [max([len(t)] + [len(c[i]) for c in cells]) for i, t in enumerate(titles)]
    name_width = max(12, width - sum(sizes) - len(sizes))

    def line(first: str, name: str, rest: list[str]) -> str:
        right = [rest[0].ljust(sizes[1])] + [
            c.rjust(s) for c, s in zip(rest[1:], sizes[2:], strict=True)
        ]
        return " ".join([first.rjust(sizes[0]), _pad(name, name_width), *right]).rstrip()

    lines = textwrap.wrap(
        "Customers at risk, by expected MRR loss (MRR × probability of churning within "
        f"{horizon} days). NEW: not on the list a week earlier.",
        width,
    )
    lines.append(line(titles[0], "customer", titles[1:]))
    for row, cell in zip(rows, cells, strict=True):
        who = f"{row.name} ({row.external_id})" if row.name else row.external_id
        names = _wrap_cells(f"{NEW_MARK} {who}" if row.new_to_list else who, name_width)
        lines.append(line(cell[0], names[0], cell[1:]))
        lines += [" " * (sizes[0] + 1) + more for more in names[1:]]
        lines.append(INDENT + contact_note(row.owner, row.last_contacted_at, as_of, tz))
        why = "; ".join(row.reasons) or "no recent signal to act on (see --format json)"
        lines += textwrap.wrap(
            why, width, initial_indent=INDENT + "why: ", subsequent_indent=INDENT + "     "
        )
    return "\n".join(lines)
