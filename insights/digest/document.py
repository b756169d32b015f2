"""The digest in words: one wording, rendered to text, Markdown, Slack and Telegram.

`document(digest)` turns the figures into sections of short lines made of styled spans
(bold, italic, plain). Renderers only map spans to their markup and escape text, so the
sentences a manager reads are written once, here, and read the same on every platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from insights.call_list import contact_note
from insights.digest import numbers as fmt
from insights.digest.model import Digest, Figure, ReasonCount, RiskEntry
from insights.margins import change_margin, is_clear_change
from insights.metrics import Period
from insights.periods import Covered, so_far_note
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


def _score(digest: Digest, name: str, line: list[Span], answers: int, unit: str) -> Item:
    """A score's line: its n, its change (or "no clear change" inside the margin), and a
    small-sample warning under it when n < MIN_SAMPLE (`insights.margins`)."""
    line.append(_t(f" (n = {answers:,})"))
    figure = digest.figure(name)
    previous = digest.previous
    margin = getattr(digest.current, f"{name}_margin")
    before = getattr(previous, f"{name}_margin") if previous is not None else None
    delta = figure.change
    shown = fmt.change(round(delta) if delta is not None and name == "nps" else delta, unit)
    if shown not in ("", "no change") and not is_clear_change(delta, margin, before):
        within = change_margin(margin, before)
        line.append(_t(f" (no clear change {VS}: {shown} is inside the ± {round(within or 0)}"))
        line.append(_t(" margin)"))
    else:
        line = list(_with_change(line, figure, unit, whole=name == "nps"))
    details: tuple[Line, ...] = ()
    if digest.current.small_sample(name, digest.min_sample):
        details = ((_i(f"small sample (n = {answers:,} < {digest.min_sample}): read with care"),),)
    return Item(tuple(line), details)


def document(digest: Digest) -> Document:
    week = digest.week
    sections: list[Section] = []
    if digest.has_data:
        # A period under way is shown without changes against a whole one.
        head = digest.without_comparison() if digest.so_far else digest
        sections.append(_headline(head))
        # Imported here: the revenue wording builds on this module's Span, Item, Section.
        from insights.digest.revenue import revenue_section

        if (revenue := revenue_section(head)) is not None:
            sections.append(revenue)
    else:
        sections.append(Section("This week", (Item(_no_data(digest)),)))
    if any(w.has_data for w in digest.weeks):
        sections.append(_trends(digest))
    if digest.has_data:
        sections.append(_leaving(digest))
        sections.append(_complaints(digest))
    if digest.at_risk_as_of is not None:
        sections.append(_at_risk(digest))
    if digest.has_data:
        sections.append(_staff(digest))
    if digest.monthly:
        from insights.digest.monthly import monthly_document

        return monthly_document(digest, Document("", (), tuple(sections)))
    so_far = f" · {_so_far(digest)}" if digest.so_far else ""
    return Document(
        title=f"Retention digest · week {week.week} · {week.span()}{so_far}",
        subtitle=(
            _i(
                f"Week {week} (Monday to Sunday, {digest.timezone}). Changes are against "
                "the week before; trends cover 8 weeks, oldest first."
                + (
                    " The week is not over: its figures are so far, and changes against a "
                    "whole week are not shown."
                    if so_far
                    else ""
                )
            ),
        ),
        sections=tuple(sections),
    )


def _so_far(digest: Digest) -> str:
    """`so far: 30 Nov – 2 Dec 2026, 3 of 7 days` for a week still under way."""
    assert digest.covered_until is not None
    asked = Period(digest.period_start, digest.period_end)
    covered = Covered(asked, Period(digest.period_start, digest.covered_until))
    return so_far_note(covered, ZoneInfo(digest.timezone))


def _no_data(digest: Digest) -> Line:
    if digest.before_first_data:
        first = digest.first_data_at
        since = (
            f"the records begin on {_local_day(digest, first)} (the first event, survey "
            "or churn; sign-up dates before it say nothing about who left)"
            if first is not None
            else "no customers have been imported yet"
        )
        return (_b("No data for this week."), _t(f" It is before the first data: {since}."))
    return (
        _b("No data for this week."),
        _t(f" No customers and no survey answers were recorded in {digest.week.span()}."),
    )


def _local_day(digest: Digest, moment: datetime) -> str:
    day = moment.astimezone(ZoneInfo(digest.timezone)).date()
    return f"{day.day} {day:%b %Y}"


def _retention_item(digest: Digest) -> Item:
    retention = digest.figure("retention_rate")
    if retention.value is None:
        return Item((_b("Retention"), _t(": no customers at the start of the week")))
    line = [_b(f"Retention {fmt.pct(retention.value)}")]
    return Item(_with_change(line, retention, "pt"))


def _churn_item(digest: Digest) -> Item:
    """The churn rate and how many customers left, cancelled and after failed payments."""
    current = digest.current
    churn = digest.figure("churn_rate")
    lost = digest.figure("lost_customers")
    if churn.value is None:
        return Item((_b("Churn"), _t(": no customers at the start of the week")))
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
    return Item(tuple(line))


def _nps_item(digest: Digest) -> Item:
    current = digest.current
    nps = digest.figure("nps")
    if nps.value is None:
        return Item((_b("NPS"), _t(": no NPS answers this week")))
    line = [_b(f"NPS {fmt.nps(nps.value)}{fmt.margin(current.nps_margin)}")]
    return _score(digest, "nps", line, current.nps_responses, "")


def _csat_item(digest: Digest) -> Item:
    current = digest.current
    csat = digest.figure("csat")
    if csat.value is None:
        return Item((_b("CSAT"), _t(": no CSAT answers this week")))
    line = [
        _b(f"CSAT {fmt.pct(csat.value, 0)}"),
        _t(f" satisfied{fmt.margin(current.csat_margin, 'pt')}"),
    ]
    return _score(digest, "csat", line, current.csat_responses, "pt")


def _response_item(digest: Digest) -> Item:
    """The response rate, or only the answers received when no sends were recorded."""
    current = digest.current
    rate = digest.figure("response_rate")
    if rate.value is None:
        answers = current.answers
        return Item(
            (
                _b(f"{answers:,} survey answer{'s' if answers != 1 else ''} received"),
                _t("; response rate unknown (no survey sends recorded this week)"),
            )
        )
    # The rate and the count beside it are the same thing: of the surveys sent this
    # week, how many were answered (`WeekFigures.surveys_answered / surveys_sent`).
    line = [
        _b(f"Response rate {fmt.pct(rate.value, 0)}"),
        _t(
            f": {current.surveys_answered:,} of {current.surveys_sent:,} surveys "
            "sent this week answered"
        ),
    ]
    return Item(_with_change(line, rate, "pt"))


def _customers_item(digest: Digest) -> Item | None:
    current = digest.current
    if not current.has_customers:
        return None
    return Item(
        (
            _b(f"{current.customers_end:,} customers"),
            _t(f" at the end of the week, {current.new_customers:,} new"),
        )
    )


def _benchmark_item(digest: Digest) -> Item | None:
    """Annualised retention against the industry's typical rate, when one is configured."""
    bench = digest.benchmark
    if bench is None:
        return None
    if bench.annualised_rate is None:
        return Item(
            (
                _b("Annual retention"),
                _t(
                    f": not enough weeks with customers to compare with "
                    f"{bench.label} ({bench.annual_rate:.0f}%)"
                ),
            )
        )
    gap = round(bench.annualised_rate - bench.annual_rate, 1)
    verdict = "on par" if abs(gap) < 1 else f"{abs(gap):.1f} pt {'above' if gap > 0 else 'below'}"
    return Item(
        (
            _b(f"Annual retention ≈ {bench.annualised_rate:.1f}%"),
            _t(
                f" (last {bench.weeks_used} weeks, annualised) vs "
                f"{bench.annual_rate:.0f}% typical in {bench.label}: "
            ),
            _b(verdict),
        )
    )


def _headline(digest: Digest) -> Section:
    """The week's figures, one line each; customers and the benchmark only when known."""
    items = [
        _retention_item(digest),
        _churn_item(digest),
        _nps_item(digest),
        _csat_item(digest),
        _response_item(digest),
        _customers_item(digest),
        _benchmark_item(digest),
    ]
    return Section("This week", tuple(item for item in items if item is not None))


_TRENDS: tuple[tuple[str, str, str], ...] = (
    ("NPS", "nps", "nps"),
    ("CSAT", "csat", "pct0"),
    ("Churn", "churn_rate", "pct"),
    ("Retention", "retention_rate", "pct"),
    ("Lost customers", "lost_customers", "count"),
    ("Surveys answered (all kinds)", "answers", "count"),  # answered in the week; JSON `answers`
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
    title = f"Trend, week {first_week.week} to {last_week.week}"
    return Section(title, tuple(items), note=_small_weeks(digest))


def _small_weeks(digest: Digest) -> Line | None:
    """Which trend weeks' NPS or CSAT rest on fewer than MIN_SAMPLE answers, if any."""
    parts = []
    for label, score in (("NPS", "nps"), ("CSAT", "csat")):
        weeks = [
            f"W{w.week.week}" for w in digest.weeks if w.small_sample(score, digest.min_sample)
        ]
        if weeks:
            parts.append(f"{label} in {', '.join(weeks)}")
    if not parts:
        return None
    return (
        _i(
            f"Small samples (fewer than {digest.min_sample} answers: read with care; NPS "
            f"weeks greyed in the chart): {'; '.join(parts)}."
        ),
    )


def _reason_items(reasons: tuple[ReasonCount, ...], who: str) -> tuple[Item, ...]:
    items = []
    for reason in reasons:
        plural = "s" if reason.customers != 1 else ""
        line = (_b(reason.label), _t(f" · {reason.customers:,} {who}{plural}"))
        details: tuple[Line, ...] = ()
        if reason.quote:
            quote: list[Span] = [_i(f"“{reason.quote}”")]
            if reason.quote_language and reason.quote_language != "en":
                quote.append(_t(f" ({reason.quote_language})"))
            details = (tuple(quote),)
        items.append(Item(line, details))
    return tuple(items)


def _leaving(digest: Digest) -> Section:
    """The week's leavers only: exit interviews and their last feedback before leaving."""
    title = "Why customers left"
    lost = digest.current.lost_customers
    if lost == 0:
        return Section(title, (Item((_t("No customers were lost this week."),)),))
    silent = digest.leavers_without_reason
    leavers = f"{lost:,} leaver{'s' if lost != 1 else ''}"
    note = (
        _t(
            "Each leaver counted once per reason, from their exit interview and their last "
            "feedback before leaving"
        ),
        _t(f"; {silent:,} of {leavers} gave no reason." if silent else "."),
    )
    if not digest.leaving_reasons:
        return Section(title, (Item((_t(f"None of the {leavers} gave a reason."),)),))
    items = _reason_items(digest.leaving_reasons, "leaver")
    return Section(title, items, style="numbered", note=note)


def _complaints(digest: Digest) -> Section:
    """Reasons in the week's feedback from customers who are still customers."""
    title = "What active customers complain about"
    if not digest.feedback_reasons:
        text = "No reasons were given or tagged in active customers' answers this week."
        return Section(title, (Item((_t(text),)),))
    items = _reason_items(digest.feedback_reasons, "customer")
    return Section(title, items, style="numbered")


def _customer(entry: RiskEntry, currency: str | None) -> Line:
    who = entry.name or entry.external_id
    extra = entry.external_id if entry.name else None
    tags = ", ".join(x for x in (extra, entry.plan) if x)
    return (
        *((_b("NEW "),) if entry.new_to_list else ()),
        _b(who),
        _t(f" ({tags})" if tags else ""),
        _t(f" · {chance(entry.probability, entry.horizon_days)} · "),
        _b(fmt.money(entry.revenue_at_risk, currency)),
        _t(f" of {fmt.money(entry.mrr, currency)} MRR expected lost"),
    )


def _call_details(entry: RiskEntry, digest: Digest) -> tuple[Line, ...]:
    """Who owns the customer and when they were last contacted, then why to call."""
    assert digest.at_risk_as_of is not None
    tz = ZoneInfo(digest.timezone)
    contact = contact_note(entry.owner, entry.last_contacted_at, digest.at_risk_as_of, tz)
    why = "; ".join(entry.reasons) or "no recent signal to act on (see at-risk --format json)"
    return ((_i(contact),), (_t(why),))


def _at_risk(digest: Digest) -> Section:
    title = f"Call first: the {len(digest.at_risk)} customers most at risk"
    if not digest.at_risk:
        return Section("Customers at risk", (Item((_t("No active customers."),)),))
    new = sum(entry.new_to_list for entry in digest.at_risk)
    # NEW compares with the list a week earlier (`call_list.NEW_SINCE`), in either edition.
    since = "since a week ago" if digest.monthly else "this week"
    title += f" ({new} new {since})" if new else f" (none new {since})"
    items = tuple(
        Item(_customer(entry, digest.currency), _call_details(entry, digest))
        for entry in digest.at_risk
    )
    days = digest.risk_horizon_days or 30
    note = (
        _t(f"Expected MRR loss in {days} days from these customers: "),
        _b(fmt.money(digest.revenue_at_risk, digest.currency)),
        _t(" (Σ MRR × probability of churning)"),
        _t(f"; {digest.risk_model_note}." if digest.risk_model_note else "."),
    )
    return Section(title, items, style="numbered", note=note)


def _tagging_item(digest: Digest) -> Item | None:
    """ "Tagging: company model (en, ru) learned from 112 staff corrections, trained 3 Dec
    2026": the corrections staff made are seen to count. Nothing with the shipped models."""
    tm = digest.tagging_model
    if tm is None:
        return None
    if tm.corrections is None:
        learned = f"{tm.labels:,} labelled texts"
    else:
        learned = f"{tm.corrections:,} staff correction{'s' if tm.corrections != 1 else ''}"
        if tm.other_labels:
            learned += f" and {tm.other_labels:,} labelled texts"
    return Item(
        (
            _b("Tagging"),
            _t(
                f": company model ({', '.join(tm.languages)}) learned from {learned}, "
                f"trained {_local_day(digest, tm.trained_at)}"
            ),
        )
    )


def _staff(digest: Digest) -> Section:
    f = digest.follow_ups
    tagging = _tagging_item(digest)
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
            *((tagging,) if tagging is not None else ()),
        ),
    )
