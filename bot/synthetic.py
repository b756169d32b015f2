"""A synthetic subscription company for the demo: six months of customers, billing,
activity and survey answers in five languages, written as the CSV files a real company
would import.

The numbers are shaped like a healthy B2B SaaS business (about 2-4% monthly churn, a third
of it involuntary; NPS around +20; response rates near 40%) and every customer has a hidden
health that drives activity, scores and churn together, so the at-risk list has real signal
to find. Deterministic for a given seed and "today".

Revenue moves too: `subscription_started` carries the starting MRR (the plan's price), and
some customers change their MRR once in the window with `subscription_changed` (healthy
ones upgrade, unhappy ones downgrade), so the digest shows real expansion, contraction and
churned MRR. `customers.csv` holds today's MRR. Those changes are drawn from a random
stream of their own per customer, so adding them left every other figure as it was.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.demo_phrases import NEUTRAL, PRAISE, REASON_PHRASES

LANGUAGES = [("en", 0.40), ("ru", 0.15), ("uk", 0.15), ("da", 0.15), ("zh", 0.15)]
PLANS = [("starter", 19, 0.45, 0.05), ("team", 49, 0.35, 0.03), ("business", 149, 0.15, 0.02),
         ("enterprise", 499, 0.05, 0.01)]  # name, MRR, share, monthly churn  # fmt: skip
EXIT_REASONS = [("price", 20), ("competitor", 12), ("missing_features", 12), ("no_need", 14),
                ("support", 8), ("bugs", 8), ("usability", 6), ("neglect", 10), ("billing", 4),
                ("external", 6)]  # fmt: skip
DETRACTOR_REASONS = [("price", 18), ("support", 16), ("bugs", 16), ("missing_features", 14),
                     ("usability", 10), ("neglect", 14), ("competitor", 6),
                     ("billing", 6)]  # fmt: skip
TIMEZONES = {"en": "Europe/London", "ru": "Europe/Moscow", "uk": "Europe/Kyiv",
             "da": "Europe/Copenhagen", "zh": "Asia/Shanghai"}  # fmt: skip
FIRST = {
    "en": ["Olivia", "James", "Emma", "Liam", "Ava", "Noah", "Mia", "Lucas", "Grace", "Ethan"],
    "ru": ["Анна", "Дмитрий", "Мария", "Сергей", "Елена", "Алексей", "Ольга", "Иван"],
    "uk": ["Олена", "Андрій", "Ірина", "Тарас", "Наталія", "Богдан", "Оксана", "Юрій"],
    "da": ["Mette", "Lars", "Sofie", "Mads", "Ida", "Søren", "Freja", "Jens"],
    "zh": ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳"],
}
LAST = {
    "en": ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Clarke"],
    "ru": ["Иванова", "Смирнов", "Кузнецова", "Попов", "Соколова", "Лебедев"],
    "uk": ["Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравченко", "Мельник"],
    "da": ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Sørensen", "Ærø"],
    "zh": ["王", "李", "张", "刘", "陈", "杨", "赵"],
}
COMPANIES = ["Nordlys", "Acme", "Bluefin", "Kestrel", "Lumen", "Orbit", "Pinecone", "Quarry"]


@dataclass
class DemoCounts:
    customers: int = 0
    events: int = 0
    responses: int = 0
    sends: int = 0


def _pick(rng: random.Random, weighted: list[tuple[str, int]] | list[tuple[str, float]]) -> str:
    names = [name for name, _ in weighted]
    weights = [weight for _, weight in weighted]
    return rng.choices(names, weights=weights)[0]


class _Writer:
    def __init__(self, folder: Path) -> None:
        self.files = {
            name: (folder / f"{name}.csv").open("w", encoding="utf-8", newline="")
            for name in ("customers", "events", "responses", "sends")
        }
        self.csv = {name: csv.writer(f) for name, f in self.files.items()}
        self.csv["customers"].writerow(
            ["external_id", "name", "email", "language", "timezone", "plan", "mrr", "signed_up_at"]
        )
        self.csv["events"].writerow(["event_id", "external_id", "type", "occurred_at", "amount"])
        self.csv["responses"].writerow(
            ["response_id", "external_id", "survey", "score", "comment", "answered_at"]
        )
        # What the bot sent: one row per survey message, answered (response_id) or not.
        self.csv["sends"].writerow(["external_id", "survey", "sent_at", "response_id"])
        self.counts = DemoCounts()

    def event(self, who: str, kind: str, at: datetime, amount: str = "") -> None:
        self.counts.events += 1
        self.csv["events"].writerow(
            [f"E{self.counts.events:07d}", who, kind, at.isoformat(timespec="seconds"), amount]
        )

    def send(self, who: str, survey: str, at: datetime, response_id: str = "") -> None:
        self.counts.sends += 1
        self.csv["sends"].writerow([who, survey, at.isoformat(timespec="seconds"), response_id])

    def response(
        self,
        who: str,
        survey: str,
        score: int | None,
        text: str,
        at: datetime,
        sent_at: datetime | None = None,
    ) -> None:
        """An answer; `sent_at` records the survey message it answered (sends.csv)."""
        self.counts.responses += 1
        if sent_at is not None:
            self.send(who, survey, sent_at, f"R{self.counts.responses:06d}")
        self.csv["responses"].writerow(
            [
                f"R{self.counts.responses:06d}",
                who,
                survey,
                "" if score is None else score,
                text,
                at.isoformat(timespec="seconds"),
            ]
        )

    def close(self) -> None:
        for f in self.files.values():
            f.close()


class _Customer:
    """One simulated customer: hidden health drives activity, answers and churn together."""

    def __init__(self, rng: random.Random, n: int, start: datetime, today: datetime) -> None:
        self.rng = rng
        self.id = f"C{n:05d}"
        self.lang = _pick(rng, LANGUAGES)
        plan = rng.choices(PLANS, weights=[p[2] for p in PLANS])[0]
        self.mrr: float
        self.plan, self.mrr, _, self.base_churn = plan
        self.start_mrr = float(self.mrr)  # today's MRR may differ: see _plan_revenue
        self.health = rng.random() ** 0.8
        existing = rng.random() < 0.72
        if existing:
            self.signed_up = start - timedelta(days=rng.uniform(1, 540))
        else:
            self.signed_up = start + timedelta(days=rng.uniform(0, (today - start).days - 1))
        self.today = today
        self.begin = max(start, self.signed_up)
        self.churn_at, self.churn_type = self._churn(start)
        self.end = self.churn_at or today
        self.mrr_changes: list[tuple[datetime, float]] = []  # see _plan_revenue

    def _churn(self, start: datetime) -> tuple[datetime | None, str | None]:
        factor = 2.6 if self.health < 0.3 else 1.0 if self.health < 0.7 else 0.35
        month = self.begin
        while month < self.today:
            if self.rng.random() < self.base_churn * factor:
                when = month + timedelta(days=self.rng.uniform(0, 30))
                if when < self.today - timedelta(days=1):
                    kind = "involuntary" if self.rng.random() < 0.3 else "voluntary"
                    return when, kind
            month += timedelta(days=30)
        return None, None

    def name(self) -> str:
        first, last = self.rng.choice(FIRST[self.lang]), self.rng.choice(LAST[self.lang])
        if self.lang == "zh":
            return f"{last}{first}"
        company = self.rng.choice(COMPANIES)
        return f"{first} {last} ({company})"

    def nps_score(self, at: datetime) -> int:
        health = self.health
        if self.churn_at and self.churn_at - at < timedelta(days=60):
            health *= 0.5
        if health > 0.7:
            return self.rng.choice([8, 9, 9, 10, 10, 10])
        if health > 0.4:
            return self.rng.choice([6, 7, 7, 8, 8, 9])
        return self.rng.choice([0, 2, 3, 4, 5, 6, 6, 7])

    def comment(self, score: int, scale_top: int, reasons: list[tuple[str, int]]) -> str:
        rng = self.rng
        good = score >= scale_top - (1 if scale_top == 10 else 0)
        if good:
            return rng.choice(PRAISE[self.lang])
        if score >= (7 if scale_top == 10 else 4):
            return rng.choice(NEUTRAL[self.lang])
        first = _pick(rng, reasons)
        text = rng.choice(REASON_PHRASES[self.lang][first])
        if rng.random() < 0.25:
            second = _pick(rng, reasons)
            if second != first:
                text += " " + rng.choice(REASON_PHRASES[self.lang][second])
        return text


def generate(
    folder: Path,
    customers: int = 2_400,
    months: int = 6,
    seed: int = 7,
    today: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> DemoCounts:
    """Write customers.csv, events.csv and responses.csv for a synthetic company."""
    rng = random.Random(seed)
    today = (today or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    start = today - timedelta(days=30 * months)
    folder.mkdir(parents=True, exist_ok=True)
    out = _Writer(folder)
    try:
        for n in range(1, customers + 1):
            who = _Customer(rng, n, start, today)
            _plan_revenue(who, random.Random(f"{seed}:{n}:mrr"))
            _write_customer(out, who)
            if progress is not None:
                progress(n)
    finally:
        out.close()
    return out.counts


def _plan_revenue(c: _Customer, rng: random.Random) -> None:
    """At most one MRR change in the window: an upgrade (more likely when healthy) or a
    downgrade (when not); `c.mrr` becomes today's MRR, the plan's price the starting one."""
    start_mrr = c.start_mrr
    roll = rng.random()
    if roll < 0.06 + 0.16 * c.health:
        new = round(start_mrr * rng.choice([1.25, 1.5, 2.0]), 2)
    elif roll > 1 - 0.12 * (1 - c.health):
        new = round(start_mrr * rng.choice([0.5, 0.6, 0.75]), 2)
    else:
        return
    span = (c.end - c.begin).total_seconds()
    if span < 86_400 * 2:
        return
    at = c.begin + timedelta(seconds=rng.uniform(0.1, 0.95) * span)
    c.mrr_changes.append((at.replace(microsecond=0), new))
    c.mrr = new


def _write_customer(out: _Writer, c: _Customer) -> None:
    rng = c.rng
    out.counts.customers += 1
    out.csv["customers"].writerow(
        [
            c.id,
            c.name(),
            f"{c.id.lower()}@example.com",
            c.lang,
            TIMEZONES[c.lang],
            c.plan,
            c.mrr,
            c.signed_up.isoformat(timespec="seconds"),
        ]
    )
    start_mrr = f"{c.start_mrr:.2f}"
    if c.signed_up >= c.begin:
        out.event(c.id, "subscription_started", c.signed_up, start_mrr)
    elif c.mrr_changes:
        # Signed up before the window: the start's MRR is needed to tell the change apart.
        out.event(c.id, "subscription_started", c.signed_up, start_mrr)
    for at, new in c.mrr_changes:
        out.event(c.id, "subscription_changed", at, f"{new:.2f}")
    _activity(out, c)
    _billing(out, c)
    _support(out, c)
    _nps(out, c)
    if c.churn_type == "voluntary" and c.churn_at is not None:
        out.event(c.id, "subscription_cancelled", c.churn_at)
        sent = c.churn_at + timedelta(minutes=rng.uniform(1, 30))
        answered = sent + timedelta(hours=rng.uniform(2, 60))
        if rng.random() < 0.6 and answered < c.today:
            reason = _pick(rng, EXIT_REASONS)
            text = rng.choice(REASON_PHRASES[c.lang][reason])
            out.response(c.id, "exit", None, text, answered, sent_at=sent)
        elif sent < c.today:
            out.send(c.id, "exit", sent)


def _activity(out: _Writer, c: _Customer) -> None:
    rng = c.rng
    gap = 1 + (1 - c.health) * 9 + rng.random() * 3
    # Some unhappy customers still pay but have gone quiet: the at-risk list should see them.
    quiet_from = None
    if c.churn_at is None and c.health < 0.3 and rng.random() < 0.5:
        quiet_from = c.today - timedelta(days=rng.uniform(15, 50))
    at = c.begin + timedelta(days=rng.expovariate(1 / gap))
    # About one visit in twelve is an order (a `purchase` with its amount, for order value
    # and purchase frequency). Its own random stream: every other figure stays as it was,
    # and purchases count as activity wherever activity counts.
    orders = random.Random(f"{c.id}:orders")
    while at < c.end:
        if quiet_from is not None and at > quiet_from:
            break
        if orders.random() < 1 / 12:
            out.event(c.id, "purchase", at, f"{orders.lognormvariate(3.6, 0.6):.2f}")
        else:
            out.event(c.id, "activity", at)
        slowdown = 3 if c.churn_at and c.churn_at - at < timedelta(days=30) else 1
        at += timedelta(days=rng.expovariate(1 / (gap * slowdown)) + 0.1)


def _billing(out: _Writer, c: _Customer) -> None:
    rng = c.rng
    amount = f"{c.mrr:.2f}"
    due = c.signed_up
    while due < c.begin:
        due += timedelta(days=30)
    while due < c.end:
        if rng.random() < 0.04:
            # Dunning recovers these within the grace period; only the churn failure stays.
            out.event(c.id, "payment_failed", due, amount)
            recovered = due + timedelta(days=rng.uniform(1, 10))
            if recovered < c.today:  # a recovery still to come is not an event yet
                out.event(c.id, "payment_succeeded", recovered, amount)
        else:
            out.event(c.id, "payment_succeeded", due, amount)
        due += timedelta(days=30)
    if c.churn_type == "involuntary" and c.churn_at is not None:
        out.event(c.id, "payment_failed", c.churn_at, amount)
    elif c.churn_at is None and c.health < 0.5 and rng.random() < 0.05:
        # A failed payment still inside its grace period: a churn risk, not yet churn.
        out.event(c.id, "payment_failed", c.today - timedelta(days=rng.uniform(1, 10)), amount)


def _support(out: _Writer, c: _Customer) -> None:
    rng = c.rng
    rate = 0.25 + (1 - c.health) * 0.8  # tickets per month
    at = c.begin + timedelta(days=rng.expovariate(rate / 30))
    while at < c.end:
        out.event(c.id, "support_ticket_closed", at)
        sent = at + timedelta(minutes=rng.uniform(5, 90))
        answered = sent + timedelta(hours=rng.uniform(1, 30))
        if rng.random() < 0.45 and answered < c.today:
            score = 5 if c.health > 0.75 else rng.choice([1, 2, 3, 4, 4, 5] if c.health > 0.35
                                                         else [1, 1, 2, 2, 3, 4])  # fmt: skip
            text = c.comment(score, 5, [("support", 60), ("bugs", 20), ("usability", 20)])
            comment = text if rng.random() < 0.45 else ""
            out.response(c.id, "csat", score, comment, answered, sent_at=sent)
        elif sent < c.today:
            out.send(c.id, "csat", sent)
        at += timedelta(days=rng.expovariate(rate / 30))


def _nps(out: _Writer, c: _Customer) -> None:
    rng = c.rng
    at = c.signed_up + timedelta(days=30)
    while at < c.begin:
        at += timedelta(days=90)
    at += timedelta(days=rng.uniform(0, 20))
    while at < c.end:
        sent = at - timedelta(hours=rng.uniform(0.2, 40))
        if rng.random() < 0.42:
            score = c.nps_score(at)
            text = c.comment(score, 10, DETRACTOR_REASONS) if rng.random() < 0.65 else ""
            out.response(c.id, "nps", score, text, at, sent_at=sent)
        else:
            out.send(c.id, "nps", sent)
        at += timedelta(days=90)
