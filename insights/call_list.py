"""The call list: the at-risk list with what a retention manager needs to act on it.

On top of `insights.at_risk.at_risk` (who, how likely, why), each customer gets:

- `new_to_list`: True when they were not on the same list (same length, same plan) scored
  as of one week earlier (`as_of - 7 days`). The weekly digest scores as of the end of
  its week, so "new" there means "not on the list at the end of the week before". Both
  lists are scored for the customers active now, so a customer who joined the list only
  because others left it also counts as new: they are new for whoever makes the calls.
  With no length limit (every active customer) there is no list to enter: None.
- `owner`: the assignee of their most recent follow-up still open at `as_of` (not
  resolved by then), or None.
- `last_contacted_at`: the latest time anyone marked one of their follow-ups contacted,
  up to `as_of`, or None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from insights.at_risk import AtRiskCustomer, at_risk, at_risk_at
from insights.risk import RiskModel, Weights
from insights.risk.wording import format_date
from insights.risk_store import current_model
from storage.models import Customer, FollowUp

NEW_SINCE = timedelta(days=7)


def call_list(
    session: Session,
    as_of: datetime,
    weights: Weights,
    limit: int | None = 10,
    plan: str | None = None,
    model: RiskModel | None = None,
) -> list[AtRiskCustomer]:
    """`at_risk` as of `as_of`, each row marked new or not, with its owner and last contact."""
    model = current_model(session, weights) if model is None else model
    before: set[str] | None = None
    if limit is None:
        rows = at_risk(session, as_of, weights, limit=limit, plan=plan, model=model)
    else:
        # Both lists in one pass: they share the activity histogram query and the read of
        # the active customers (`at_risk_at`), and are exactly two `at_risk` calls.
        dates = [as_of, as_of - NEW_SINCE]
        rows, earlier = at_risk_at(session, dates, weights, limit=limit, plan=plan, model=model)
        before = {row.external_id for row in earlier}
    if not rows:
        return rows
    owners, contacted = _follow_up_facts(session, [row.external_id for row in rows], as_of)
    return [
        replace(
            row,
            new_to_list=None if before is None else row.external_id not in before,
            owner=owners.get(row.external_id),
            last_contacted_at=contacted.get(row.external_id),
        )
        for row in rows
    ]


def _follow_up_facts(
    session: Session, external_ids: Sequence[str], as_of: datetime
) -> tuple[dict[str, str], dict[str, datetime]]:
    """(owner by customer, last contact by customer) from the follow-ups up to `as_of`."""
    mine = (Customer.external_id.in_(external_ids), FollowUp.created_at <= as_of)
    open_then = or_(FollowUp.resolved_at.is_(None), FollowUp.resolved_at > as_of)
    owners: dict[str, str] = {}
    query = (
        select(Customer.external_id, FollowUp.assignee)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .where(*mine, open_then, FollowUp.assignee.is_not(None))
        .order_by(FollowUp.created_at, FollowUp.id)
    )
    for external_id, assignee in session.execute(query):
        owners[external_id] = assignee  # the latest open follow-up wins
    contacted = dict(
        session.execute(
            select(Customer.external_id, func.max(FollowUp.contacted_at))
            .join(Customer, Customer.id == FollowUp.customer_id)
            .where(*mine, FollowUp.contacted_at <= as_of)
            .group_by(Customer.external_id)
        ).all()
    )
    return owners, contacted


def contact_note(
    owner: str | None, last_contacted_at: datetime | None, as_of: datetime, tz: tzinfo
) -> str:
    """`owner alice · last contacted 2 Dec` / `no owner · not contacted yet`, local dates."""
    who = f"owner {owner}" if owner else "no owner"
    if last_contacted_at is None:
        return f"{who} · not contacted yet"
    when = format_date(last_contacted_at.astimezone(tz), as_of.astimezone(tz))
    return f"{who} · last contacted {when}"
