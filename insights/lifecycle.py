"""When a customer counts as lost, derived from billing and activity events.

The rules, in words (settings in brackets):
- `subscription_cancelled` churns the customer at that moment: voluntary churn.
- A `payment_failed` not followed by `payment_succeeded` within the grace period
  [PAYMENT_GRACE_DAYS] churns the customer as of the failed payment: involuntary churn.
  A success arriving after that (a late dunning recovery) brings the customer back.
- With an inactivity window [INACTIVITY_CHURN_DAYS], a customer with no `activity` or
  `purchase` for that long churns (voluntary: they stopped coming) when the window runs
  out; their next activity brings them back. Off by default: subscriptions pay while idle.
- `subscription_started` brings back a churned customer, whatever the cause.
- `subscription_changed` (a new MRR in `amount`) neither churns nor brings back. After a
  replay, `customers.mrr` is set to the newest `amount` of the customer's
  `subscription_started` / `subscription_changed` events, so today's MRR follows the
  billing history (`insights.revenue.mrr` reads the history itself for past moments).

Every churn is kept as an episode with its return time, so a past period's figures do not
change when a customer comes back later. The replay is pure; `refresh()` applies it to the
customers whose events changed (`lifecycle_stale`) or whose grace or window has run out.

A stored time outside `insights.timeparse.TimeWindow` (an event dated 9999 or 0001, kept
from before the import refused such times) is left out of the replay and reported in a
warning with its event id: one such event once made every refresh overflow, and with it
every import, metric and digest. Its customer is replayed without it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from insights.revenue.mrr import latest_amounts
from insights.timeparse import TimeWindow
from storage.bulk import chunks
from storage.models import Churn, Customer, Event
from storage.types import UTCDateTime

log = logging.getLogger(__name__)
SHOWN_IN_WARNING = 10  # ids named in a warning; the count says how many there are

ACTIVITY_TYPES = frozenset({"activity", "purchase"})
LIFECYCLE_TYPES = (
    "subscription_started",
    "subscription_cancelled",
    "payment_failed",
    "payment_succeeded",
    "activity",
    "purchase",
)


@dataclass(frozen=True, slots=True)
class ChurnEpisode:
    churned_at: datetime
    churn_type: str
    cause: str
    reactivated_at: datetime | None = None


@dataclass(slots=True)
class Lifecycle:
    episodes: list[ChurnEpisode] = field(default_factory=list)
    last_activity_at: datetime | None = None
    payment_failed_since: datetime | None = None

    @property
    def current(self) -> ChurnEpisode | None:
        """The churn episode the customer is in now, if any."""
        if self.episodes and self.episodes[-1].reactivated_at is None:
            return self.episodes[-1]
        return None


class _Replay:
    def __init__(self, signed_up_at: datetime, grace: timedelta, window: timedelta | None):
        self.grace = grace
        self.window = window
        self.state = Lifecycle()
        self.activity_clock = signed_up_at

    def _churn(self, at: datetime, churn_type: str, cause: str) -> None:
        self.state.episodes.append(ChurnEpisode(at, churn_type, cause))
        self.state.payment_failed_since = None

    def _reactivate(self, at: datetime) -> None:
        last = self.state.episodes[-1]
        self.state.episodes[-1] = ChurnEpisode(last.churned_at, last.churn_type, last.cause, at)

    def advance(self, now: datetime) -> None:
        """Let time pass up to `now`: grace periods and inactivity windows run out."""
        failed = self.state.payment_failed_since
        if self.state.current is None and failed is not None and now > failed + self.grace:
            self._churn(failed, "involuntary", "payment_failed")
        if (
            self.window is not None
            and self.state.current is None
            and now > self.activity_clock + self.window
        ):
            self._churn(self.activity_clock + self.window, "voluntary", "inactivity")

    def apply(self, kind: str, at: datetime) -> None:
        self.advance(at)
        current = self.state.current
        if kind in ACTIVITY_TYPES:
            last = self.state.last_activity_at
            self.state.last_activity_at = at if last is None or at > last else last
            self.activity_clock = max(self.activity_clock, at)
            if current is not None and current.cause == "inactivity":
                self._reactivate(at)
        elif kind == "subscription_cancelled":
            if current is None:
                self._churn(at, "voluntary", "cancelled")
        elif kind == "payment_failed":
            if current is None and self.state.payment_failed_since is None:
                self.state.payment_failed_since = at
        elif kind == "payment_succeeded":
            if current is None:
                self.state.payment_failed_since = None
            elif current.cause == "payment_failed":
                self._reactivate(at)
                self.activity_clock = max(self.activity_clock, at)
        elif kind == "subscription_started" and current is not None:
            self._reactivate(at)
            self.activity_clock = max(self.activity_clock, at)


def replay(
    signed_up_at: datetime,
    events: Iterable[tuple[str, datetime]],
    as_of: datetime,
    grace: timedelta,
    window: timedelta | None = None,
) -> Lifecycle:
    """Apply `(type, time)` events, in time order, to a customer who signed up at a time."""
    run = _Replay(signed_up_at, grace, window)
    for kind, at in events:
        run.apply(kind, at)
    run.advance(as_of)
    return run.state


def _mark_due(session: Session, as_of: datetime, grace: timedelta, window: timedelta | None):
    """Flag active customers whose unpaid grace period or inactivity window has run out."""
    due = [Customer.payment_failed_since < as_of - grace]
    if window is not None:
        last_seen = Customer.last_activity_at
        due.append(last_seen < as_of - window)
        due.append(last_seen.is_(None) & (Customer.signed_up_at < as_of - window))
    session.execute(
        update(Customer)
        .where(Customer.status == "active", or_(*due))
        .values(lifecycle_stale=True)
        .execution_options(synchronize_session=False)
    )


BILLING_TYPES = tuple(t for t in LIFECYCLE_TYPES if t not in ACTIVITY_TYPES)


def _within(bounds: TimeWindow) -> ColumnElement[bool]:
    return Event.occurred_at.between(bounds.earliest, bounds.latest)


def _histories(
    session: Session, customer_ids: Sequence[int], with_activity: bool, bounds: TimeWindow
) -> Iterator[tuple[int, Any]]:
    """Each customer's lifecycle events in time order, those outside `bounds` left out.

    Activity events only matter one by one when the inactivity rule is on; otherwise
    only their latest time does (see `_last_activity`), and they are most of the events.
    """
    types = LIFECYCLE_TYPES if with_activity else BILLING_TYPES
    query = (
        select(Event.customer_id, Event.type, Event.occurred_at)
        .where(Event.customer_id.in_(customer_ids), Event.type.in_(types), _within(bounds))
        .order_by(Event.customer_id, Event.occurred_at, Event.id)
    )
    for customer_id, rows in groupby(session.execute(query), key=lambda row: row[0]):
        yield customer_id, ((row[1], row[2]) for row in rows)


def _last_activity(
    session: Session, customer_ids: Sequence[int], bounds: TimeWindow
) -> dict[int, datetime]:
    query = (
        select(Event.customer_id, func.max(Event.occurred_at))
        .where(
            Event.customer_id.in_(customer_ids),
            Event.type.in_(ACTIVITY_TYPES),
            _within(bounds),
        )
        .group_by(Event.customer_id)
    )
    return {customer_id: last for customer_id, last in session.execute(query)}


def _named(session: Session, query: Select[Any]) -> tuple[int, str]:
    """How many rows `query` finds, and the first few of its ids quoted for a warning.

    Only ids are read: a time outside the window may not even survive the trip to Python
    (psycopg cannot return 0001-01-01T00:00Z to a session in a zone west of UTC).
    """
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if not count:
        return 0, ""
    ids = session.scalars(query.limit(SHOWN_IN_WARNING)).all()
    more = ", ..." if count > len(ids) else ""
    return count, ", ".join(repr(key) for key in ids) + more


def _out_of_range_events(session: Session, bounds: TimeWindow) -> None:
    """Report the lifecycle events the replay leaves out, and mark their customers stale.

    Marking them stale replays those customers without the bad events, which also clears
    what an earlier replay derived from them (a churn dated 9999). The window's two sides
    are two ranges on the (type, occurred_at) index, so a clean database pays two empty
    index look-ups per refresh.
    """
    outside = or_(Event.occurred_at < bounds.earliest, Event.occurred_at > bounds.latest)
    where = (Event.type.in_(LIFECYCLE_TYPES), outside)
    count, ids = _named(session, select(Event.event_id).where(*where).order_by(Event.id))
    if not count:
        return
    session.execute(
        update(Customer)
        .where(
            Customer.lifecycle_stale.is_(False),
            Customer.id.in_(select(Event.customer_id).where(*where)),
        )
        .values(lifecycle_stale=True)
        .execution_options(synchronize_session=False)
    )
    log.warning(
        "churn: skipped %d event(s) dated before 1970-01-01 or after %s (a day after now); "
        "correct or delete them: %s",
        count,
        _utc(bounds.latest),
        ids,
    )


def _out_of_range_signups(session: Session, bounds: TimeWindow) -> None:
    """Report the customers about to be replayed whose sign-up time is outside `bounds`."""
    query = (
        select(Customer.external_id)
        .where(
            Customer.lifecycle_stale.is_(True),
            or_(Customer.signed_up_at < bounds.earliest, Customer.signed_up_at > bounds.latest),
        )
        .order_by(Customer.id)
    )
    count, ids = _named(session, query)
    if count:
        log.warning(
            "churn: %d customer(s) signed up before 1970-01-01 or after %s; their inactivity "
            "clock starts at the nearest accepted time; correct them: %s",
            count,
            _utc(bounds.latest),
            ids,
        )


def _clock_start(bounds: TimeWindow) -> ColumnElement[datetime]:
    """The sign-up time moved into `bounds`, in SQL: where the inactivity clock starts.

    A sign-up stored outside them (from before the import checked it) would make the
    clock's arithmetic overflow; the nearest accepted time is used instead.
    """
    earliest = literal(bounds.earliest, UTCDateTime())
    latest = literal(bounds.latest, UTCDateTime())
    clamped = case(
        (Customer.signed_up_at < earliest, earliest),
        (Customer.signed_up_at > latest, latest),
        else_=Customer.signed_up_at,
    )
    return type_coerce(clamped, UTCDateTime()).label("signed_up_at")


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def refresh(
    session: Session,
    as_of: datetime,
    grace: timedelta,
    window: timedelta | None = None,
    batch_size: int = 2_000,
) -> int:
    """Recompute churn for every stale or due customer; returns how many were recomputed.

    Works through the stale customers a batch at a time (keyset pagination on id), so a
    million stale customers after a large import take constant memory. Events dated
    outside `TimeWindow.until(as_of)` are left out and reported (module docstring).
    """
    bounds = TimeWindow.until(as_of)
    _mark_due(session, as_of, grace, window)
    _out_of_range_events(session, bounds)
    _out_of_range_signups(session, bounds)
    signed_up_at = _clock_start(bounds)
    last_id = 0
    total = 0
    while True:
        batch = session.execute(
            select(Customer.id, signed_up_at)
            .where(Customer.lifecycle_stale.is_(True), Customer.id > last_id)
            .order_by(Customer.id)
            .limit(batch_size)
        ).all()
        if not batch:
            return total
        signed_up = {row.id: row.signed_up_at for row in batch}
        ids = list(signed_up)
        results = {
            customer_id: replay(signed_up[customer_id], history, as_of, grace, window)
            for customer_id, history in _histories(session, ids, window is not None, bounds)
        }
        for customer_id, joined in signed_up.items():
            if customer_id not in results:
                results[customer_id] = replay(joined, (), as_of, grace, window)
        if window is None:
            for customer_id, last in _last_activity(session, ids, bounds).items():
                results[customer_id].last_activity_at = last
        _store(session, results, batch_size)
        _store_mrr(session, ids, bounds)
        last_id = batch[-1].id
        total += len(batch)


def _store(session: Session, results: dict[int, Lifecycle], batch_size: int) -> None:
    ids = list(results)
    for part in chunks(ids, batch_size):
        session.execute(delete(Churn).where(Churn.customer_id.in_(part)))
    episodes = [
        {
            "customer_id": customer_id,
            "churned_at": ep.churned_at,
            "churn_type": ep.churn_type,
            "cause": ep.cause,
            "reactivated_at": ep.reactivated_at,
        }
        for customer_id, state in results.items()
        for ep in state.episodes
    ]
    for rows in chunks(episodes, batch_size):
        session.execute(Churn.__table__.insert(), list(rows))
    updates = [_customer_columns(customer_id, state) for customer_id, state in results.items()]
    for rows in chunks(updates, batch_size):
        session.execute(update(Customer), list(rows))


def _store_mrr(session: Session, customer_ids: Sequence[int], bounds: TimeWindow) -> None:
    """Set `customers.mrr` to the newest subscription amount, where the customer has one.

    A customer whose events carry no amount keeps the MRR their import or API call gave.
    """
    latest = latest_amounts(_within(bounds), within=customer_ids)
    newest = session.execute(
        select(latest.c.customer_id, latest.c.amount).order_by(latest.c.customer_id)
    ).all()
    if newest:
        rows = [{"id": customer_id, "mrr": amount} for customer_id, amount in newest]
        session.execute(update(Customer), rows)


def _customer_columns(customer_id: int, state: Lifecycle) -> dict[str, Any]:
    current = state.current
    return {
        "id": customer_id,
        "status": "churned" if current else "active",
        "churned_at": current.churned_at if current else None,
        "churn_type": current.churn_type if current else None,
        "last_activity_at": state.last_activity_at,
        "payment_failed_since": state.payment_failed_since,
        "lifecycle_stale": False,
    }


def mark_stale(session: Session, customer_ids: Sequence[int]) -> None:
    for part in chunks(list(dict.fromkeys(customer_ids)), 5_000):
        session.execute(
            update(Customer)
            .where(Customer.id.in_(part), Customer.lifecycle_stale.is_(False))
            .values(lifecycle_stale=True)
            .execution_options(synchronize_session=False)
        )
