"""A customer's MRR at a moment, from their subscription events: the one definition.

MRR of a customer at moment t:
- the `amount` of their latest `subscription_started` or `subscription_changed` event with
  `occurred_at <= t` and a non-null amount (ties on time: the later-stored event wins; a
  negative amount, refused at import, is ignored: MRR is never negative);
- if there is none, `customers.mrr` (what the CRM export or the API said);
- and 0 while they are inside a churn episode (`churned_at <= t < reactivated_at`, or no
  reactivation yet) or before they signed up (`t < signed_up_at`).

Everything revenue-related (movements, retention, revenue cohorts, ARPU) reads MRR through
`mrr_by_customer`, so a figure never depends on which report asked. It is one SQL
statement for any number of moments: per moment, a window function ranks the subscription
events up to it (a range on the (type, occurred_at) index: subscription events are few next
to activity) and a grouped pass over the churn episodes says who was gone then. Nothing is
loaded into Python per customer.

A period [start, end) compares the MRR *just before* its bounds (`just_before`): an event at
`end` belongs to the next period, and the customers at start are then exactly those of
`insights.metrics` (signed up before `start`, not inside an episode that began before it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from storage.models import Churn, Customer, Event
from storage.types import UTCDateTime

SUBSCRIPTION_TYPES = ("subscription_started", "subscription_changed")
MONEY = Numeric(14, 2)
CENT = Decimal("0.01")
_TICK = timedelta(microseconds=1)  # the resolution of stored times on both databases


def just_before(moment: datetime) -> datetime:
    """The last representable moment before `moment`: what was in force as `moment` began."""
    return moment - _TICK


def cents(value: Any) -> Decimal:
    """A summed amount from either database (SQLite may sum to a float) as exact cents."""
    return Decimal(str(value or 0)).quantize(CENT)


def money_text(value: Decimal | None) -> str | None:
    """Money in JSON: a string with two decimals (as everywhere else), null when undefined."""
    return None if value is None else f"{value:.2f}"


def latest_amounts(*conditions: Any, within: Any = None) -> Any:
    """(customer_id, amount): each customer's newest subscription amount among the events
    that meet `conditions` (e.g. `Event.occurred_at <= moment`); `within` (ids, or a query
    of them) narrows it to those customers. Ties on time: the later-stored event wins."""
    rank = func.row_number().over(
        partition_by=Event.customer_id, order_by=(Event.occurred_at.desc(), Event.id.desc())
    )
    ranked = (
        select(Event.customer_id, Event.amount, rank.label("rank"))
        .where(
            Event.type.in_(SUBSCRIPTION_TYPES),
            Event.amount >= 0,
            *conditions,
            *(() if within is None else (Event.customer_id.in_(within),)),
        )
        .subquery()
    )
    return select(ranked.c.customer_id, ranked.c.amount).where(ranked.c.rank == 1).subquery()


def _inside_episode(moment: datetime) -> Any:
    at = literal(moment, UTCDateTime())
    return and_(
        Churn.churned_at <= at, or_(Churn.reactivated_at.is_(None), Churn.reactivated_at > at)
    )


def _gone(moments: Sequence[datetime], within: Any = None) -> Any:
    """(customer_id, gone_0, gone_1, ...): 1 where the customer is inside an episode then."""
    flags = [
        func.max(case((_inside_episode(m), 1), else_=0)).label(f"gone_{i}")
        for i, m in enumerate(moments)
    ]
    overlapping = and_(
        Churn.churned_at <= max(moments),
        or_(Churn.reactivated_at.is_(None), Churn.reactivated_at > min(moments)),
    )
    if within is not None:
        overlapping = and_(overlapping, Churn.customer_id.in_(within))
    return select(Churn.customer_id, *flags).where(overlapping).group_by(Churn.customer_id)


def mrr_by_customer(moments: Sequence[datetime], within: Any = None) -> Select[Any]:
    """A query with one row per customer: `customer_id`, `signed_up_at`, `mrr_i` (MRR at
    `moments[i]`) and `gone_i` (1 when inside a churn episode then, else 0).

    `within`, a query of customer ids, narrows it to those customers, and narrows the event
    and episode scans with them (a period's movements read only the customers it touched).
    Add `.where(...)` on `Customer` columns to narrow it further; aggregate over
    `.subquery()`.
    """
    if not moments:
        raise ValueError("at least one moment is needed")
    gone = _gone(moments, within).subquery()
    query = select(Customer.id.label("customer_id"), Customer.signed_up_at).outerjoin(
        gone, gone.c.customer_id == Customer.id
    )
    if within is not None:
        query = query.where(Customer.id.in_(within))
    for i, moment in enumerate(moments):
        latest = latest_amounts(Event.occurred_at <= moment, within=within)
        query = query.outerjoin(latest, latest.c.customer_id == Customer.id)
        flag = func.coalesce(gone.c[f"gone_{i}"], 0)
        at = literal(moment, UTCDateTime())
        amount = case(
            (Customer.signed_up_at > at, 0),
            (flag == 1, 0),
            else_=func.coalesce(latest.c.amount, Customer.mrr),
        )
        query = query.add_columns(
            type_coerce(amount, MONEY).label(f"mrr_{i}"), flag.label(f"gone_{i}")
        )
    return query


def total_mrr(session: Session, moments: Sequence[datetime]) -> list[Decimal]:
    """Σ MRR over all customers at each of `moments`: the sum of `mrr_by_customer`, in
    three aggregates that avoid joining every customer to the event history.

    total(t) = Σ mrr column of those signed up by t (one plain sum, less the later ones)
             − Σ mrr column of those inside a churn episode at t (the episodes around t)
             + Σ (amount in force − mrr column) of the others with a subscription amount
               in force at t (one window pass over subscription events: each amount is in
               force from its event until the customer's next one).
    A test checks it against `mrr_by_customer` moment by moment.
    """
    if not moments:
        return []
    signed = [Customer.signed_up_at <= literal(m, UTCDateTime()) for m in moments]
    base = _signed_by(session, moments)
    away = _gone_mrr(session, moments, signed)
    changed = [Decimal(str(v)) for v in session.execute(amount_changes(moments)).one()]
    return [
        cents(Decimal(str(a)) - Decimal(str(g)) + c)
        for a, g, c in zip(base, away, changed, strict=True)
    ]


def _gone_mrr(session: Session, moments: Sequence[datetime], signed: list[Any]) -> Any:
    """Σ mrr column of the customers inside a churn episode at each moment (signed up by
    then): one pass over the episodes around the moments, joined to their customers."""
    gone = _gone(moments).subquery()
    flags = [gone.c[f"gone_{i}"] == 1 for i in range(len(moments))]
    return session.execute(
        select(
            *(
                func.coalesce(func.sum(case((and_(on, flag), Customer.mrr), else_=0)), 0)
                for on, flag in zip(signed, flags, strict=True)
            )
        ).join_from(gone, Customer, Customer.id == gone.c.customer_id)
    ).one()


def _signed_by(session: Session, moments: Sequence[datetime]) -> list[Decimal]:
    """Σ mrr column of the customers signed up by each moment: everyone's, less those who
    signed up after it (a range on the signed_up_at index, short for recent moments; a
    CASE per moment over every row costs several times a plain sum)."""
    everyone = Decimal(str(session.scalar(select(func.coalesce(func.sum(Customer.mrr), 0)))))
    later = [
        session.scalar(
            select(func.coalesce(func.sum(Customer.mrr), 0)).where(Customer.signed_up_at > m)
        )
        for m in moments
    ]
    return [everyone - Decimal(str(value)) for value in later]


def amount_changes(moments: Sequence[datetime], by: Any = None, where: Any = ()) -> Select[Any]:
    """Σ (amount in force − mrr column) at each moment, over the customers signed up and
    not inside a churn episode then: what subscription events add to the `customers.mrr`
    sums (one window pass: each amount is in force from its event until the customer's
    next one). One row, or one per `by` (a column over `Customer`, e.g. the sign-up
    cohort) with `by` first; `where` narrows the customers."""
    following = func.lead(Event.occurred_at).over(
        partition_by=Event.customer_id, order_by=(Event.occurred_at, Event.id)
    )
    spans = (
        select(Event.customer_id, Event.amount, Event.occurred_at, following.label("until"))
        .where(Event.type.in_(SUBSCRIPTION_TYPES), Event.amount >= 0)
        .where(Event.occurred_at <= max(moments))
        .subquery()
    )
    gone = _gone(moments).subquery()
    sums = []
    for i, moment in enumerate(moments):
        at = literal(moment, UTCDateTime())
        in_force = and_(
            spans.c.occurred_at <= at,
            or_(spans.c.until.is_(None), spans.c.until > at),
            Customer.signed_up_at <= at,
            func.coalesce(gone.c[f"gone_{i}"], 0) == 0,
        )
        sums.append(
            func.coalesce(func.sum(case((in_force, spans.c.amount - Customer.mrr), else_=0)), 0)
        )
    query = (
        select(*(() if by is None else (by,)), *sums)
        .select_from(spans)
        .join(Customer, Customer.id == spans.c.customer_id)
        .outerjoin(gone, gone.c.customer_id == spans.c.customer_id)
        .where(*where)
    )
    return query if by is None else query.group_by(by)
