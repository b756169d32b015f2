"""The at-risk list: risk signals read from the database as of a date, scored, ordered by
revenue at risk (MRR x probability of churning within the model's horizon).

`insights.risk` is the pure, explainable model; this module is its storage side. It reads
active customers a chunk at a time (keyset pagination), computes each chunk's signals with
grouped SQL queries, scores them and keeps only the top of the list, so a million customers
cost a few hundred small queries and constant memory.

Signals are computed strictly *as of* a moment: every query is bounded by `as_of`, and
nothing is read from the customer row that a later event could have changed (the last
activity and an unpaid failure come from the events themselves). The training snapshots
of `insights.risk_history` call the same `_Chunk.signals` at past dates, so the model is
trained on exactly what scoring sees.

Signal definitions (windows come from the weights file so reasons quote the same numbers):
- activity = `activity` and `purchase` events; `days_since_last_activity` from the
  customer's last one up to `as_of`; `usual_activity_gap_days` = the mean gap between
  activity events in the last 180 days, not counting the silence since the last one (None
  below 3 events); `activity_percentile` = the customer's rank by activity count over
  `activity_days` among all active customers (ties count half).
- `latest_nps` / `latest_csat`: the most recent scores, with their dates, of any age.
- `negative_feedback_count` and `churn_reasons`: negative answers and distinct reasons
  tagged on answers in the last `feedback_days`; `complaints_recent`: answers tagged with a
  churn reason in the last `complaints_days`.
- `failed_payments_recent`: `payment_failed` events in the last `payments_days`;
  `unrecovered_payment_failure`: the last failure up to `as_of` has no later success.
- `support_tickets_recent`: `support_ticket_closed` events in the last `support_days`.
- `unanswered_surveys`: surveys sent in the last `feedback_days`, over 7 days ago, with no
  answer given by `as_of`. `exit_intent`: an exit interview answered in the last
  `feedback_days` by a customer who is still active (they said they are leaving).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from config.errors import UserError
from insights.risk import (
    CHURN_REASONS,
    RankedCustomer,
    RiskAssessment,
    RiskModel,
    RiskSignals,
    Weights,
    rank,
    shown_reasons,
)
from insights.risk_store import current_model
from storage.models import Answer, AnswerTag, Customer, Event, SurveySession

CHUNK = 5_000
GAP_WINDOW = timedelta(days=180)
UNANSWERED_AFTER = timedelta(days=7)
ACTIVITY = ("activity", "purchase")


@dataclass(frozen=True)
class AtRiskCustomer:
    external_id: str
    name: str | None
    plan: str | None
    mrr: Decimal
    probability: float  # of churning within `horizon_days`
    horizon_days: int
    revenue_at_risk: Decimal  # MRR x probability: the expected MRR lost over the horizon
    reasons: list[str]  # the strongest actionable, recent ones (`insights.risk.shown_reasons`)
    assessment: RiskAssessment
    model: RiskModel
    # Filled in by `insights.call_list`: not on the list a week earlier; the open
    # follow-up's assignee; the last time anyone on the team marked them contacted.
    new_to_list: bool | None = None
    owner: str | None = None
    last_contacted_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        a = self.assessment
        return {
            "external_id": self.external_id,
            "name": self.name,
            "plan": self.plan,
            "churn_probability": round(self.probability, 6),
            "horizon_days": self.horizon_days,
            "calibrated": self.model.calibrated,
            "mrr": f"{self.mrr:.2f}",
            "revenue_at_risk": f"{self.revenue_at_risk:.2f}",
            "reasons": self.reasons,
            "new_to_list": self.new_to_list,
            "owner": self.owner,
            "last_contacted_at": (
                self.last_contacted_at.isoformat() if self.last_contacted_at else None
            ),
            "baseline_probability": round(a.baseline_probability, 6),
            "contributions": [
                {
                    "signal": c.signal,
                    "log_odds": round(c.log_odds, 4),
                    "probability": round(c.probability, 6),
                    "reason": c.reason,
                }
                for c in a.contributions
            ],
        }


@dataclass(frozen=True)
class _Row:
    id: int
    external_id: str
    name: str | None
    plan: str | None
    mrr: Decimal
    signed_up_at: datetime
    last_activity_at: datetime | None  # the latest known (lifecycle's), maybe after as_of


_ROW_COLUMNS = (
    Customer.id,
    Customer.external_id,
    Customer.name,
    Customer.plan,
    Customer.mrr,
    Customer.signed_up_at,
    Customer.last_activity_at,
)


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / 86_400


def _activity_histogram(
    session: Session,
    as_of: datetime,
    days: int,
    active: int,
    population: Collection[int] | None = None,
) -> dict[int, float]:
    """Percentile (0-100, ties counting half) of each activity count in the `days` up to
    `as_of` among active customers: those with status active now, or `population` (the ids
    active at a past `as_of`)."""
    # Count events per customer first, then keep the active ones: joining each of the
    # window's events to its customer instead costs several times more on big tables.
    window = (
        Event.type.in_(ACTIVITY),
        Event.occurred_at >= as_of - timedelta(days=days),
        Event.occurred_at <= as_of,
    )
    counts: dict[int, int] = defaultdict(int)
    if population is None:
        per_customer = (
            select(Event.customer_id.label("customer_id"), func.count().label("n"))
            .where(*window)
            .group_by(Event.customer_id)
            .subquery()
        )
        for n, k in session.execute(
            select(per_customer.c.n, func.count())
            .join(Customer, Customer.id == per_customer.c.customer_id)
            .where(Customer.status == "active")
            .group_by(per_customer.c.n)
        ):
            counts[int(n)] += int(k)
    else:
        query = select(Event.customer_id, func.count()).where(*window).group_by(Event.customer_id)
        for customer_id, n in session.execute(query):
            if customer_id in population:
                counts[int(n)] += 1
    return _percentiles(counts, active)


def _percentiles(counts: dict[int, int], active: int) -> dict[int, float]:
    """Percentile of each activity count, from the number of customers with each count
    above zero; the active customers not counted had no activity."""
    counts[0] = active - sum(n for count, n in counts.items() if count)
    percentile: dict[int, float] = {}
    below = 0
    for n in sorted(counts):
        percentile[n] = 100 * (below + counts[n] / 2) / active if active else 0.0
        below += counts[n]
    return percentile


def _activity_histograms(
    session: Session, dates: Sequence[datetime], days: int, active: int
) -> list[dict[int, float]]:
    """`_activity_histogram` of the customers active now, as of each of `dates`, from one
    grouped query over the union of their windows (one count per date and customer)."""
    span = timedelta(days=days)
    windows = [
        case((and_(Event.occurred_at >= as_of - span, Event.occurred_at <= as_of), 1), else_=0)
        for as_of in dates
    ]
    # One date: its window is the WHERE clause, and a plain count is cheaper per event.
    counters = [func.count()] if len(dates) == 1 else [func.sum(window) for window in windows]
    per_customer = (
        select(
            Event.customer_id.label("customer_id"),
            *(counter.label(f"n{i}") for i, counter in enumerate(counters)),
        )
        .where(
            Event.type.in_(ACTIVITY),
            Event.occurred_at >= min(dates) - span,
            Event.occurred_at <= max(dates),
        )
        .group_by(Event.customer_id)
        .subquery()
    )
    columns = [per_customer.c[f"n{i}"] for i in range(len(dates))]
    counts: list[dict[int, int]] = [defaultdict(int) for _ in dates]
    for *ns, k in session.execute(
        select(*columns, func.count())
        .join(Customer, Customer.id == per_customer.c.customer_id)
        .where(Customer.status == "active")
        .group_by(*columns)
    ):
        for per_date, n in zip(counts, ns, strict=True):
            per_date[int(n)] += int(k)
    return [_percentiles(per_date, active) for per_date in counts]


class _Chunk:
    """All signal facts for one chunk of customers, from a handful of grouped queries."""

    def __init__(self, session: Session, rows: Sequence[_Row], as_of: datetime, w: Weights):
        self.session, self.as_of, self.w = session, as_of, w
        self.ids = [row.id for row in rows]
        longest = max(w.windows_support_days, w.windows_payments_days, w.windows_activity_days)
        self.earliest = as_of - max(GAP_WINDOW, timedelta(days=longest))
        self.events = self._events()
        self.last_activity = self._last_activity(rows)
        self.scores = self._latest_scores()
        self.feedback = self._feedback()
        self.reasons = self._reasons()
        self.unanswered = self._unanswered()
        self.exit_intent = self._exit_intent()

    def since(self, days: int) -> datetime:
        return self.as_of - timedelta(days=days)

    def _events(self) -> dict[int, Any]:
        w = self.w
        is_activity = Event.type.in_(ACTIVITY)
        recent_activity = and_(
            is_activity, Event.occurred_at >= self.since(w.windows_activity_days)
        )
        failed = and_(
            Event.type == "payment_failed", Event.occurred_at >= self.since(w.windows_payments_days)
        )
        tickets = and_(
            Event.type == "support_ticket_closed",
            Event.occurred_at >= self.since(w.windows_support_days),
        )
        earliest = self.earliest
        query = (
            select(
                Event.customer_id,
                func.sum(case((recent_activity, 1), else_=0)).label("activity_recent"),
                func.sum(case((is_activity, 1), else_=0)).label("activity_count"),
                func.min(case((is_activity, Event.occurred_at))).label("first_activity"),
                func.max(case((is_activity, Event.occurred_at))).label("last_activity"),
                func.sum(case((failed, 1), else_=0)).label("failed"),
                func.sum(case((tickets, 1), else_=0)).label("tickets"),
                func.max(case((Event.type == "payment_failed", Event.occurred_at))).label(
                    "last_failure"
                ),
                func.max(case((Event.type == "payment_succeeded", Event.occurred_at))).label(
                    "last_success"
                ),
            )
            .where(
                Event.customer_id.in_(self.ids),
                Event.occurred_at >= earliest,
                Event.occurred_at <= self.as_of,
            )
            .group_by(Event.customer_id)
        )
        return {row.customer_id: row for row in self.session.execute(query)}

    def _last_activity(self, rows: Sequence[_Row]) -> dict[int, datetime | None]:
        """The last activity up to `as_of`, of any age.

        From the window's events when there are some; otherwise the customer row's last
        activity when that is not after `as_of` (it is the latest of all, so nothing came
        between); none for a customer who joined inside the window; otherwise (a past
        `as_of`, a customer silent through the whole window who came back later) one query
        for the few left.
        """
        last: dict[int, datetime | None] = {}
        missing = []
        for row in rows:
            events = self.events.get(row.id)
            if events is not None and events.last_activity is not None:
                last[row.id] = events.last_activity
            elif row.last_activity_at is None or row.last_activity_at <= self.as_of:
                last[row.id] = row.last_activity_at
            elif row.signed_up_at >= self.earliest:
                # Joined within the window: any activity up to as_of would be in it.
                last[row.id] = None
            else:
                missing.append(row.id)
                last[row.id] = None
        if missing:
            # One correlated lookup per customer, so the (customer_id, occurred_at) index
            # serves it; a grouped IN query lets the planner scan every activity event.
            latest = (
                select(func.max(Event.occurred_at))
                .where(
                    Event.customer_id == Customer.id,
                    Event.type.in_(ACTIVITY),
                    Event.occurred_at <= self.as_of,
                )
                .scalar_subquery()
            )
            query = select(Customer.id, latest).where(Customer.id.in_(missing))
            last.update({cid: when for cid, when in self.session.execute(query)})
        return last

    def _latest_scores(self) -> dict[tuple[int, str], tuple[int, datetime]]:
        query = (
            select(Answer.customer_id, Answer.survey, Answer.score, Answer.answered_at)
            .where(
                Answer.customer_id.in_(self.ids),
                Answer.question == "score",
                Answer.score.is_not(None),
                Answer.answered_at <= self.as_of,
            )
            .order_by(Answer.customer_id, Answer.answered_at)
        )
        latest: dict[tuple[int, str], tuple[int, datetime]] = {}
        for row in self.session.execute(query):
            latest[(row.customer_id, row.survey)] = (row.score, row.answered_at)
        return latest

    def _feedback(self) -> dict[int, int]:
        query = (
            select(Answer.customer_id, func.count())
            .where(
                Answer.customer_id.in_(self.ids),
                Answer.sentiment_label == "negative",
                Answer.answered_at >= self.since(self.w.windows_feedback_days),
                Answer.answered_at <= self.as_of,
            )
            .group_by(Answer.customer_id)
        )
        return {customer_id: int(n) for customer_id, n in self.session.execute(query)}

    def _reasons(self) -> dict[int, tuple[set[str], int]]:
        """Distinct reasons in the feedback window and tagged answers in the complaints one."""
        complaints_since = self.since(self.w.windows_complaints_days)
        query = (
            select(Answer.customer_id, Answer.id, Answer.answered_at, AnswerTag.reason)
            .join(AnswerTag, AnswerTag.answer_id == Answer.id)
            .where(
                Answer.customer_id.in_(self.ids),
                Answer.answered_at >= self.since(self.w.windows_feedback_days),
                Answer.answered_at <= self.as_of,
            )
        )
        reasons: dict[int, set[str]] = defaultdict(set)
        complaints: dict[int, set[int]] = defaultdict(set)
        for row in self.session.execute(query):
            if row.reason in CHURN_REASONS:  # a company's own reasons carry no risk weight
                reasons[row.customer_id].add(row.reason)
            if row.answered_at >= complaints_since:
                complaints[row.customer_id].add(row.id)
        return {cid: (keys, len(complaints.get(cid, ()))) for cid, keys in reasons.items()}

    def _unanswered(self) -> dict[int, int]:
        query = (
            select(SurveySession.customer_id, func.count())
            .where(
                SurveySession.customer_id.in_(self.ids),
                SurveySession.sent_at >= self.since(self.w.windows_feedback_days),
                SurveySession.sent_at < self.as_of - UNANSWERED_AFTER,
                ~exists().where(
                    Answer.session_id == SurveySession.id, Answer.answered_at <= self.as_of
                ),
            )
            .group_by(SurveySession.customer_id)
        )
        return {customer_id: int(n) for customer_id, n in self.session.execute(query)}

    def _exit_intent(self) -> set[int]:
        query = select(Answer.customer_id).where(
            Answer.customer_id.in_(self.ids),
            Answer.survey == "exit",
            Answer.answered_at >= self.since(self.w.windows_feedback_days),
            Answer.answered_at <= self.as_of,
        )
        return set(self.session.scalars(query))

    def signals(self, row: _Row, percentile: dict[int, float]) -> RiskSignals:
        events = self.events.get(row.id)
        activity_recent = int(events.activity_recent) if events else 0
        usual_gap = None
        if events and events.activity_count and int(events.activity_count) >= 3:
            span = _days(events.last_activity - events.first_activity)
            usual_gap = span / (int(events.activity_count) - 1)
        nps = self.scores.get((row.id, "nps"))
        csat = self.scores.get((row.id, "csat"))
        reasons, complaints = self.reasons.get(row.id, (set(), 0))
        last_seen = self.last_activity.get(row.id)
        unrecovered = False
        if events is not None and events.last_failure is not None:
            unrecovered = events.last_success is None or events.last_success < events.last_failure
        return RiskSignals(
            as_of=self.as_of,
            mrr=row.mrr,
            tenure_days=max(0.0, _days(self.as_of - row.signed_up_at)),
            latest_nps=nps[0] if nps else None,
            latest_nps_at=nps[1] if nps else None,
            latest_csat=csat[0] if csat else None,
            latest_csat_at=csat[1] if csat else None,
            negative_feedback_count=self.feedback.get(row.id, 0),
            complaints_recent=complaints,
            churn_reasons=tuple(sorted(reasons)),
            days_since_last_activity=_days(self.as_of - last_seen) if last_seen else None,
            usual_activity_gap_days=usual_gap,
            activity_percentile=percentile.get(activity_recent, 0.0),
            failed_payments_recent=int(events.failed) if events else 0,
            unrecovered_payment_failure=unrecovered,
            support_tickets_recent=int(events.tickets) if events else 0,
            unanswered_surveys=self.unanswered.get(row.id, 0),
            exit_intent=row.id in self.exit_intent,
        )


def _active_chunks(
    session: Session, plan: str | None, floor: Callable[[], Decimal | None]
) -> Iterator[list[_Row]]:
    """Active customers by id, a chunk at a time; none with MRR below `floor()`.

    `floor()` is read before each chunk, so it can rise as the list fills up. The
    (status, id) index serves the keyset pagination without sorting.
    """
    last_id = 0
    spellings = None if plan is None else plan_spellings(session, plan)
    if spellings == []:
        return
    while True:
        query = (
            select(*_ROW_COLUMNS)
            .where(Customer.status == "active", Customer.id > last_id)
            .order_by(Customer.id)
            .limit(CHUNK)
        )
        if spellings is not None:
            query = query.where(Customer.plan.in_(spellings))
        lowest = floor()
        if lowest is not None:
            query = query.where(Customer.mrr >= lowest)
        rows = [_Row(*row) for row in session.execute(query)]
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


def _listed(item: RankedCustomer[_Row], model: RiskModel) -> AtRiskCustomer:
    """A ranked customer as the list shows them, with the reasons worth showing."""
    return AtRiskCustomer(
        external_id=item.key.external_id,
        name=item.key.name,
        plan=item.key.plan,
        mrr=item.key.mrr,
        probability=item.assessment.probability,
        horizon_days=model.horizon_days,
        revenue_at_risk=item.revenue_at_risk,
        reasons=shown_reasons(item.assessment, model.horizon_days),
        assessment=item.assessment,
        model=model,
    )


def at_risk(
    session: Session,
    as_of: datetime,
    weights: Weights,
    limit: int | None = 10,
    plan: str | None = None,
    model: RiskModel | None = None,
) -> list[AtRiskCustomer]:
    """Active customers ordered by revenue at risk (MRR × probability), with their reasons.

    `model` defaults to the one in use (`insights.risk_store.current_model`: the latest
    adopted fit, or the hand-set points until there is one). `limit=None` lists everyone.
    """
    return at_risk_at(session, [as_of], weights, limit=limit, plan=plan, model=model)[0]


class _Top:
    """One date's list while the customers are read: its best entries so far, in order."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.best: list[tuple[int, RankedCustomer[_Row]]] = []
        self.order = 0

    def floor(self) -> Decimal | None:
        """The MRR below which no customer can enter the list any more.

        Revenue at risk never exceeds MRR (a probability is at most 1): once the list is
        full, a customer whose MRR is below its last entry's revenue at risk cannot enter
        it, so they are not even read. Exact, and with a top-10 list on a million
        customers it leaves a few percent of them to score.
        """
        if self.limit is None or len(self.best) < self.limit:
            return None
        return self.best[-1][1].revenue_at_risk

    def add(self, ranked: Sequence[RankedCustomer[_Row]]) -> None:
        """Merge a chunk's ranked customers; ties go to the earlier read (the lower id)."""
        for item in ranked:
            self.best.append((self.order, item))
            self.order += 1
        self.best.sort(
            key=lambda pair: (-pair[1].revenue_at_risk, -pair[1].assessment.probability, pair[0])
        )
        if self.limit is not None:
            del self.best[self.limit :]


def at_risk_at(
    session: Session,
    dates: Sequence[datetime],
    weights: Weights,
    limit: int | None = 10,
    plan: str | None = None,
    model: RiskModel | None = None,
) -> list[list[AtRiskCustomer]]:
    """`at_risk` as of each of `dates`, for the customers active now, in one pass.

    Exactly the lists of separate `at_risk` calls, but the call list's two dates share
    what they can: one query for the activity histograms and one read of the active
    customers (down to the lower of the lists' MRR floors, each list then skipping the
    customers below its own). The signal queries stay one set per date.
    """
    model = current_model(session, weights) if model is None else model
    # Activity is ranked against every active customer, whatever plan the list is for.
    active = int(session.scalar(select(func.count()).where(Customer.status == "active")) or 0)
    if active == 0:
        return [[] for _ in dates]
    percentiles = _activity_histograms(session, dates, weights.windows_activity_days, active)
    tops = [_Top(limit) for _ in dates]

    def floor() -> Decimal | None:
        floors = [f for f in (top.floor() for top in tops) if f is not None]
        return min(floors) if len(floors) == len(tops) else None

    for rows in _active_chunks(session, plan, floor):
        for as_of, percentile, top in zip(dates, percentiles, tops, strict=True):
            lowest = top.floor()
            mine = rows if lowest is None else [row for row in rows if row.mrr >= lowest]
            if not mine:
                continue
            chunk = _Chunk(session, mine, as_of, weights)
            signals = ((row, chunk.signals(row, percentile)) for row in mine)
            top.add(rank(signals, weights, top=limit, model=model))
    return [[_listed(item, model) for _, item in top.best] for top in tops]


def assess_customer(
    session: Session,
    customer_id: int,
    as_of: datetime,
    weights: Weights,
    model: RiskModel | None = None,
) -> RiskAssessment | None:
    """One customer's risk, by exactly the list's rules; None unless an active customer.

    Alerts and a customer's story need the same number the list shows, so this is the list's
    own computation for a chunk of one (plus the activity histogram it ranks against).
    """
    found = session.execute(
        select(*_ROW_COLUMNS).where(Customer.id == customer_id, Customer.status == "active")
    ).first()
    if found is None:
        return None
    model = current_model(session, weights) if model is None else model
    row = _Row(*found)
    active = int(session.scalar(select(func.count()).where(Customer.status == "active")) or 0)
    percentile = _activity_histogram(session, as_of, weights.windows_activity_days, active)
    chunk = _Chunk(session, [row], as_of, weights)
    return model.assess(chunk.signals(row, percentile), weights)


def signals_as_of(
    session: Session, as_of: datetime, weights: Weights, active_ids: Collection[int]
) -> Iterator[tuple[int, Decimal, RiskSignals]]:
    """`(customer id, MRR, signals)` of the customers in `active_ids`, as of `as_of`.

    The training snapshots' entry point (`insights.risk_history`): the same chunks, the same
    queries and the same `_Chunk.signals` as the list, for the customers that were active at
    a past moment; the activity percentile is ranked among exactly those.
    """
    ids = sorted(active_ids)
    if not ids:
        return
    population = frozenset(ids)
    percentile = _activity_histogram(
        session, as_of, weights.windows_activity_days, len(ids), population
    )
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        rows = [
            _Row(*row)
            for row in session.execute(
                select(*_ROW_COLUMNS).where(Customer.id.in_(part)).order_by(Customer.id)
            )
        ]
        chunk = _Chunk(session, rows, as_of, weights)
        for row in rows:
            yield row.id, row.mrr, chunk.signals(row, percentile)


def same_plan(stored: str, asked: str) -> bool:
    """Plans compare without case or surrounding spaces, in any script ("Премиум" is
    "премиум"): done here, not in SQL, because SQLite's lower() folds ASCII only."""
    return stored.strip().casefold() == asked.strip().casefold()


def _stored_plans(session: Session) -> list[str]:
    found = session.scalars(select(Customer.plan).where(Customer.plan.is_not(None)).distinct())
    return [p for p in found if p.strip()]


def plan_spellings(session: Session, plan: str) -> list[str]:
    """The stored spellings of `plan` ("Pro", "pro ", "PRO"), for an exact IN filter."""
    return [p for p in _stored_plans(session) if same_plan(p, plan)]


def plans_on_record(session: Session) -> list[str]:
    """Every plan a customer has (active or not), one spelling each, for telling a typo from
    an empty plan: "--plan Pro" with no active customer on it is an answer, "--plan Prp" a
    mistake."""
    by_name: dict[str, str] = {}
    for p in sorted(_stored_plans(session), key=lambda p: (p.strip().casefold(), p)):
        by_name.setdefault(p.strip().casefold(), p.strip())
    return list(by_name.values())


PLANS_SHOWN = 20
"""How many plans a "no such plan" message names before "and N more"."""


class UnknownPlan(UserError):
    """A plan filter that names no plan any customer has (a typo, most likely)."""

    exit_code = 2


def plan_is_known(plan: str, plans: Sequence[str]) -> bool:
    return any(same_plan(p, plan) for p in plans)


def no_customers_on_plan(plan: str, plans: Sequence[str] | None) -> str:
    """One line for a plan filter that matches nobody active, naming the plans there are
    (`plans` None: not looked up, so only the plain answer)."""
    if plans is None or plan_is_known(plan, plans):
        return f"No active customers on plan {plan!r}."
    if not plans:
        return f"No customer has plan {plan!r}: no customer has a plan on record."
    shown = ", ".join(repr(p) for p in plans[:PLANS_SHOWN])
    more = f" and {len(plans) - PLANS_SHOWN:,} more" if len(plans) > PLANS_SHOWN else ""
    return f"No customer has plan {plan!r}. Plans on record: {shown}{more}."
