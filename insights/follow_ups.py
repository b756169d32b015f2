"""Follow-ups: who on the retention team owns an unhappy customer, and how far they got.

    open ──take──▶ assigned ──contacted──▶ contacted ──resolved──▶ resolved
      │                └──────────resolved───────────────────────────▲
      └── contacted / resolved straight away (the clicker becomes the owner)

Who may change what (`decide`, pure, so the rules read as a table in the tests):
- Anyone allowed to use the bot may act on an *open* follow-up; acting makes them its
  owner, so "Contacted" on an open alert means "I contacted them".
- Once someone owns it, only the owner moves it on. Another person's click is refused
  with the owner's name, so two people never call the same customer unknowingly.
- Follow-up managers (SLACK_FOLLOW_UP_MANAGERS) may move on anyone's follow-up (it keeps
  its owner) and may take it over with "take" (when the owner is away).
- `resolved` is final: a later unhappy answer raises a new alert rather than reopening.
- Repeating the current step is a harmless no-op ("you already have it").

Changes are compare-and-set (`UPDATE ... WHERE status = old AND assignee = old`): two
people clicking "I'll take it" at the same moment cannot both win, on SQLite or
PostgreSQL, without holding row locks across the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from storage.bulk import insert_ignoring_conflicts
from storage.models import FollowUp

ALERT_KIND = "alert"
OPEN, ASSIGNED, CONTACTED, RESOLVED = "open", "assigned", "contacted", "resolved"
_ORDER = {OPEN: 0, ASSIGNED: 1, CONTACTED: 2, RESOLVED: 3}


class Action(StrEnum):
    TAKE = "take"
    CONTACTED = "contacted"
    RESOLVED = "resolved"


class FollowUpRefusal(StrEnum):
    """Why a click changed nothing; the edge turns it into words."""

    OWNED_BY_OTHER = "owned_by_other"  # someone else owns it; only they (or a manager) may
    ALREADY_RESOLVED = "already_resolved"
    NO_CHANGE = "no_change"  # it is already at (or past) that step, by this person
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class FollowUpState:
    status: str
    assignee: str | None


@dataclass(frozen=True)
class Decision:
    """The outcome of one click: the new state, or why there is none."""

    state: FollowUpState
    refusal: FollowUpRefusal | None = None

    @property
    def changed(self) -> bool:
        return self.refusal is None


def decide(state: FollowUpState, action: Action, user: str, manager: bool = False) -> Decision:
    """What `user` clicking `action` does to a follow-up in `state` (pure)."""
    if state.status == RESOLVED:
        return Decision(state, FollowUpRefusal.ALREADY_RESOLVED)
    owner = state.assignee
    if state.status != OPEN and owner not in (None, user) and not manager:
        return Decision(state, FollowUpRefusal.OWNED_BY_OTHER)
    if action is Action.TAKE:
        if state.status == OPEN:
            return Decision(FollowUpState(ASSIGNED, user))
        if owner == user:
            return Decision(state, FollowUpRefusal.NO_CHANGE)
        return Decision(FollowUpState(state.status, user))  # a manager takes it over
    target = CONTACTED if action is Action.CONTACTED else RESOLVED
    if _ORDER[state.status] >= _ORDER[target]:
        return Decision(state, FollowUpRefusal.NO_CHANGE)
    return Decision(FollowUpState(target, owner or user))


@dataclass(frozen=True)
class FollowUpOutcome:
    follow_up_id: int
    decision: Decision
    previous: FollowUpState | None  # None when the follow-up does not exist


def apply(
    session: Session,
    follow_up_id: int,
    action: Action,
    user: str,
    now: datetime,
    manager: bool = False,
) -> FollowUpOutcome:
    """Decide and store one click, in the caller's transaction (compare-and-set)."""
    for _ in range(5):  # a lost race is decided again against the winner's state
        row = session.execute(
            select(FollowUp.status, FollowUp.assignee).where(FollowUp.id == follow_up_id)
        ).first()
        if row is None:
            missing = FollowUpState(OPEN, None)
            return FollowUpOutcome(follow_up_id, Decision(missing, FollowUpRefusal.NOT_FOUND), None)
        before = FollowUpState(row.status, row.assignee)
        decision = decide(before, action, user, manager)
        if not decision.changed:
            return FollowUpOutcome(follow_up_id, decision, before)
        after = decision.state
        values: dict[str, object] = {
            "status": after.status,
            "assignee": after.assignee,
            "updated_at": now,
        }
        if after.assignee != before.assignee:
            values["assigned_at"] = now
        if after.status == CONTACTED:
            values["contacted_at"] = now
        if after.status == RESOLVED:
            values["resolved_at"] = now
        owner_unchanged = (
            FollowUp.assignee.is_(None)
            if before.assignee is None
            else FollowUp.assignee == before.assignee
        )
        result = session.execute(
            update(FollowUp)
            .where(FollowUp.id == follow_up_id, FollowUp.status == before.status, owner_unchanged)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return FollowUpOutcome(follow_up_id, decision, before)
    raise RuntimeError(f"follow-up {follow_up_id} kept changing under us")


def open_alert(
    session: Session, customer_id: int, session_id: int, trigger: str, now: datetime
) -> tuple[int, bool]:
    """The alert follow-up of a survey session: (id, True) when this call created it.

    The unique key (session_id, kind) makes it one per session even when the listeners
    of the score and of the comment run at the same moment.
    """
    created = insert_ignoring_conflicts(
        session,
        FollowUp,
        [
            {
                "customer_id": customer_id,
                "session_id": session_id,
                "kind": ALERT_KIND,
                "status": OPEN,
                "alert_trigger": trigger,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    follow_up_id = session.scalar(
        select(FollowUp.id).where(FollowUp.session_id == session_id, FollowUp.kind == ALERT_KIND)
    )
    assert follow_up_id is not None
    return int(follow_up_id), created == 1


def alert_of_session(session: Session, session_id: int) -> int | None:
    found = session.scalar(
        select(FollowUp.id).where(FollowUp.session_id == session_id, FollowUp.kind == ALERT_KIND)
    )
    return int(found) if found is not None else None


def mark_posted(session: Session, follow_up_id: int, destination: str, ref: str) -> None:
    """The alert's message is out: where it was posted, and the platform's reference to it
    (to update it as the follow-up moves on)."""
    session.execute(
        update(FollowUp)
        .where(FollowUp.id == follow_up_id)
        .values(post_destination=destination, post_ref=ref)
        .execution_options(synchronize_session=False)
    )


def claim_post(
    session: Session, follow_up_id: int, token: str, now: datetime, stale_after: timedelta
) -> bool:
    """Reserve posting this alert's first message for the holder of `token`.

    True when it is ours to post: nobody has posted it, and nobody else holds a claim
    younger than `stale_after` (a holder that died is taken over). Renewing our own claim
    before each attempt keeps a slow, retried post from being taken over.
    """
    claimed = session.execute(
        update(FollowUp)
        .where(
            FollowUp.id == follow_up_id,
            FollowUp.post_ref.is_(None),
            or_(
                FollowUp.post_claim_token.is_(None),
                FollowUp.post_claim_token == token,
                FollowUp.post_claimed_at < now - stale_after,
            ),
        )
        .values(post_claim_token=token, post_claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(claimed, "rowcount", 0))


def unposted_alerts(session: Session, since: datetime) -> list[int]:
    """Alerts created since `since` whose message was never posted (oldest first)."""
    return [
        int(i)
        for i in session.scalars(
            select(FollowUp.id)
            .where(
                FollowUp.kind == ALERT_KIND,
                FollowUp.post_ref.is_(None),
                FollowUp.created_at >= since,
            )
            .order_by(FollowUp.id)
        )
    ]
