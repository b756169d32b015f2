"""The digest in words: one wording, rendered to text, Markdown, Slack and Telegram.

`document(digest)` turns the figures into sections of short lines made of styled spans
(bold, italic, plain). Renderers only map spans to their markup and escape text, so the
sentences a manager reads are written once, here, and read the same on every platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from insights.digest import numbers as fmt
from insights.digest.model import Digest, Figure, RiskEntry
from insights.risk import chance

VS = "vs last week"


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False


Line = tuple[Span, ...]


@dataclass(frozen=True)
class Item:
    line: Line
    details: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Item, ...]
    style: Literal["bullets", "numbered"] = "bullets"
    note: Line | None = None


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: Line
    sections: tuple[Section, ...]


def _t(text: str) -> Span:
    return Span(text)


def _b(text: str) -> Span:
    return Span(text, bold=True)


def _i(text: str) -> Span:
    return Span(text, italic=True)


def _change(figure: Figure, unit: str = "", whole: bool = False) -> str:
    delta = figure.change
    if whole and delta is not None:
        delta = round(delta)
    change = fmt.change(delta, unit)
    return f" ({change} {VS})" if change else ""


def _with_change(line: list[Span], figure: Figure, unit: str = "", whole: bool = False) -> Line:
    change = _change(figure, unit, whole)
    if change:
        line.append(_t(change))
    return tuple(line)


def document(digest: Digest) -> Document:
    week = digest.week
    sections: list[Section] = []
    if digest.has_data:
        sections.append(_headline(digest))
        # Imported here: the revenue wording builds on this module's Span, Item, Section.
        from insights.digest.revenue import revenue_section

        if (revenue := revenue_section(digest)) is not None:
            sections.append(revenue)
    else:
        sections.append(
            Section(
                "This week",
                (
                    Item(
                        (
                            _b("No data for this week."),
                            _t(
                                " No customers and no survey answers were recorded "
                                f"in {week.span()}."
                            ),
                        )
                    ),
                ),
            )
        )
    if any(w.has_data for w in digest.weeks):
        sections.append(_trends(digest))
    if digest.has_data:
        sections.append(_reasons(digest))
    if digest.at_risk_as_of is not None:
        sections.append(_at_risk(digest))
    if digest.has_data:
        sections.append(_staff(digest))
    return Document(
        title=f"Retention digest · week {week.week} · {week.span()}",
        subtitle=(
            _i(
                f"Week {week} (Monday to Sunday, {digest.timezone}). Changes are against "
                "the week before; trends cover 8 weeks, oldest first."
            ),
        ),
        sections=tuple(sections),
    )


def _headline(digest: Digest) -> Section:
    current = digest.current
    items: list[Item] = []

    retention = digest.figure("retention_rate")
    if retention.value is None:
        items.append(Item((_b("Retention"), _t(": no customers at the start of the week"))))
    else:
        line = [_b(f"Retention {fmt.pct(retention.value)}")]
        items.append(Item(_with_change(line, retention, "pt")))

    churn = digest.figure("churn_rate")
    lost = digest.figure("lost_customers")
    if churn.value is None:
        items.append(Item((_b("Churn"), _t(": no customers at the start of the week"))))
    else:
        line = [_b(f"Churn {fmt.pct(churn.value)}"), _t(" · ")]
        if current.lost_customers == 0:
            line.append(_t("no customers lost"))
            line.append(_t(_change(lost)))
        else:
            plural = "s" if current.lost_customers != 1 else ""
            line.append(_b(f"{current.lost_customers:,} customer{plural} lost"))
            line.append(_t(_change(lost)))
            line.append(
                _t(
                    f": {current.lost_voluntary:,} cancelled, "
                    f"{current.lost_involuntary:,} after failed payments"
                )
            )
        items.append(Item(tuple(line)))

    nps = digest.figure("nps")
    if nps.value is None:
        items.append(Item((_b("NPS"), _t(": no NPS answers this week"))))
    else:
        answers = current.nps_responses
        line = [
            _b(f"NPS {fmt.nps(nps.value)}"),
            _t(f" from {answers:,} answer{'s' if answers != 1 else ''}"),
        ]
        items.append(Item(_with_change(line, nps, whole=True)))

    csat = digest.figure("csat")
    if csat.value is None:
        items.append(Item((_b("CSAT"), _t(": no CSAT answers this week"))))
    else:
        answers = current.csat_responses
        line = [
            _b(f"CSAT {fmt.pct(csat.value, 0)}"),
            _t(f" satisfied, from {answers:,} answer{'s' if answers != 1 else ''}"),
        ]
        items.append(Item(_with_change(line, csat, "pt")))

    rate = digest.figure("response_rate")
    line = [_b(f"{current.answers:,} survey response{'s' if current.answers != 1 else ''}")]
    if rate.value is None:
        line.append(_t("; response rate unknown (no survey sends recorded this week)"))
        items.append(Item(tuple(line)))
    else:
        line.append(_t(f", response rate {fmt.pct(rate.value, 0)}"))
        items.append(Item(_with_change(line, rate, "pt")))

    if current.has_customers:
        items.append(
            Item(
                (
                    _b(f"{current.customers_end:,} customers"),
                    _t(f" at the end of the week, {current.new_customers:,} new"),
                )
            )
        )

    bench = digest.benchmark
    if bench is not None:
        if bench.annualised_rate is None:
            items.append(
                Item(
                    (
                        _b("Annual retention"),
                        _t(
                            f": not enough weeks with customers to compare with "
                            f"{bench.label} ({bench.annual_rate:.0f}%)"
                        ),
                    )
                )
            )
        else:
            gap = round(bench.annualised_rate - bench.annual_rate, 1)
            verdict = (
                "on par" if abs(gap) < 1 else f"{abs(gap):.1f} pt {'above' if gap > 0 else 'below'}"
            )
            items.append(
                Item(
                    (
                        _b(f"Annual retention ≈ {bench.annualised_rate:.1f}%"),
                        _t(
                            f" (last {bench.weeks_used} weeks, annualised) vs "
                            f"{bench.annual_rate:.0f}% typical in {bench.label}: "
                        ),
                        _b(verdict),
                    )
                )
            )
    return Section("This week", tuple(items))


_TRENDS: tuple[tuple[str, str, str], ...] = (
    ("NPS", "nps", "nps"),
    ("CSAT", "csat", "pct0"),
    ("Churn", "churn_rate", "pct"),
    ("Retention", "retention_rate", "pct"),
    ("Lost customers", "lost_customers", "count"),
    ("Survey responses", "answers", "count"),
)


def _show(value: float | int | None, kind: str) -> str:
    if kind == "nps":
        return fmt.nps(value)
    if kind == "pct0":
        return fmt.pct(value, 0)
    if kind == "pct":
        return fmt.pct(value)
    return fmt.count(None if value is None else int(value))


def _trends(digest: Digest) -> Section:
    items = []
    for label, name, kind in _TRENDS:
        trend = digest.figure(name).trend
        known = [v for v in trend if v is not None]
        if not known:
            items.append(Item((_b(label), _t(f"  {fmt.sparkline(trend)}  no data"))))
            continue
        first = next(v for v in trend if v is not None)
        span = f"{_show(first, kind)} → {_show(known[-1], kind)}"
        items.append(Item((_b(label), _t(f"  {fmt.sparkline(trend)}  {span}"))))
    first_week, last_week = digest.weeks[0].week, digest.weeks[-1].week
    return Section(f"Trend, week {first_week.week} to {last_week.week}", tuple(items))


def _reasons(digest: Digest) -> Section:
    if not digest.reasons:
        return Section(
            "Why customers leave",
            (Item((_t("No churn reasons were given or tagged in this week's answers."),)),),
        )
    items = []
    for reason in digest.reasons:
        plural = "s" if reason.customers != 1 else ""
        line = (_b(reason.label), _t(f" · {reason.customers:,} customer{plural}"))
        details: tuple[Line, ...] = ()
        if reason.quote:
            quote: list[Span] = [_i(f"“{reason.quote}”")]
            if reason.quote_language and reason.quote_language != "en":
                quote.append(_t(f" ({reason.quote_language})"))
            details = (tuple(quote),)
        items.append(Item(line, details))
    return Section("Why customers leave", tuple(items), style="numbered")


def _customer(entry: RiskEntry) -> Line:
    who = entry.name or entry.external_id
    extra = entry.external_id if entry.name else None
    tags = ", ".join(x for x in (extra, entry.plan) if x)
    return (
        _b(who),
        _t(f" ({tags})" if tags else ""),
        _t(f" · {chance(entry.probability, entry.horizon_days)} · "),
        _b(fmt.money(entry.revenue_at_risk)),
        _t(f" of {fmt.money(entry.mrr)} MRR expected lost"),
    )


def _at_risk(digest: Digest) -> Section:
    title = f"Call first: the {len(digest.at_risk)} customers most at risk"
    if not digest.at_risk:
        return Section("Customers at risk", (Item((_t("No active customers."),)),))
    items = tuple(
        Item(_customer(entry), ((_t("; ".join(entry.reasons)),),) if entry.reasons else ())
        for entry in digest.at_risk
    )
    days = digest.risk_horizon_days or 30
    note = (
        _t(f"Expected MRR loss in {days} days from these customers: "),
        _b(fmt.money(digest.revenue_at_risk)),
        _t(" (Σ MRR × probability of churning)"),
        _t(f"; {digest.risk_model_note}." if digest.risk_model_note else "."),
    )
    return Section(title, items, style="numbered", note=note)


def _staff(digest: Digest) -> Section:
    f = digest.follow_ups
    return Section(
        "Team follow-up",
        (
            Item(
                (
                    _b("Follow-ups"),
                    _t(f": {f.opened:,} opened, {f.contacted:,} contacted, "),
                    _t(f"{f.resolved:,} resolved"),
                )
            ),
            Item(
                (
                    _b("Save offers accepted"),
                    _t(
                        f": {digest.saves_accepted:,} (leaving customers who said an offer "
                        "would keep them)"
                    ),
                )
            ),
        ),
    )
