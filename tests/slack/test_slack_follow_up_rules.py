"""Who may move a follow-up on: the rules as a table, then the stored transitions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from builders import answer, at, customer
from insights import follow_ups
from insights.follow_ups import Action, FollowUpRefusal, FollowUpState, decide

ANN, BOB, MAX = "U0ANN0001", "U0BOB0001", "U0MAX0001"  # MAX is a follow-up manager
TAKE, CONTACTED, RESOLVED = Action.TAKE, Action.CONTACTED, Action.RESOLVED


@pytest.mark.parametrize(
    ("status", "owner", "action", "who", "manager", "expected"),
    [
        # Open: anyone allowed acts, and becomes the owner.
        ("open", None, TAKE, ANN, False, ("assigned", ANN)),
        ("open", None, CONTACTED, ANN, False, ("contacted", ANN)),
        ("open", None, RESOLVED, ANN, False, ("resolved", ANN)),
        # The owner moves it on.
        ("assigned", ANN, CONTACTED, ANN, False, ("contacted", ANN)),
        ("assigned", ANN, RESOLVED, ANN, False, ("resolved", ANN)),
        ("contacted", ANN, RESOLVED, ANN, False, ("resolved", ANN)),
        # Repeating a step, or going back, changes nothing.
        ("assigned", ANN, TAKE, ANN, False, FollowUpRefusal.NO_CHANGE),
        ("contacted", ANN, CONTACTED, ANN, False, FollowUpRefusal.NO_CHANGE),
        ("contacted", ANN, TAKE, ANN, False, FollowUpRefusal.NO_CHANGE),
        # Someone else: refused, whatever the button.
        ("assigned", ANN, TAKE, BOB, False, FollowUpRefusal.OWNED_BY_OTHER),
        ("assigned", ANN, CONTACTED, BOB, False, FollowUpRefusal.OWNED_BY_OTHER),
        ("contacted", ANN, RESOLVED, BOB, False, FollowUpRefusal.OWNED_BY_OTHER),
        # A manager moves it on for the owner, or takes it over.
        ("assigned", ANN, CONTACTED, MAX, True, ("contacted", ANN)),
        ("contacted", ANN, RESOLVED, MAX, True, ("resolved", ANN)),
        ("assigned", ANN, TAKE, MAX, True, ("assigned", MAX)),
        ("contacted", ANN, TAKE, MAX, True, ("contacted", MAX)),
        # Resolved is final, for everyone.
        ("resolved", ANN, TAKE, ANN, False, FollowUpRefusal.ALREADY_RESOLVED),
        ("resolved", ANN, CONTACTED, MAX, True, FollowUpRefusal.ALREADY_RESOLVED),
    ],
)
def test_decide(
    status: str,
    owner: str | None,
    action: Action,
    who: str,
    manager: bool,
    expected: tuple[str, str] | FollowUpRefusal,
) -> None:
    decision = decide(FollowUpState(status, owner), action, who, manager)
    if isinstance(expected, FollowUpRefusal):
        assert decision.refusal is expected and not decision.changed
        assert decision.state == FollowUpState(status, owner)  # shows who has it
    else:
        assert decision.changed and decision.state == FollowUpState(*expected)


def test_transitions_are_stored_with_their_times_and_one_alert_per_session(
    factory: sessionmaker[Session],
) -> None:
    t1, t2, t3 = (datetime(2026, 3, d, 9, tzinfo=UTC) for d in (1, 2, 3))
    with factory() as session, session.begin():
        who = customer(session, at(1))
        survey = answer(session, who, "nps", 2, at(59))
        first, created = follow_ups.open_alert(session, who.id, survey.id, "detractor", t1)
        again, created_again = follow_ups.open_alert(session, who.id, survey.id, "detractor", t1)
        assert created and not created_again and first == again
    with factory() as session, session.begin():
        taken = follow_ups.apply(session, first, Action.TAKE, ANN, t2)
        assert taken.previous == FollowUpState("open", None) and taken.decision.changed
    with factory() as session, session.begin():
        # Bob's click was decided against a stale view: compare-and-set still refuses it.
        refused = follow_ups.apply(session, first, Action.RESOLVED, BOB, t3)
        assert refused.decision.refusal is FollowUpRefusal.OWNED_BY_OTHER
        done = follow_ups.apply(session, first, Action.RESOLVED, ANN, t3)
        assert done.decision.state == FollowUpState("resolved", ANN)
        missing = follow_ups.apply(session, first + 999, Action.TAKE, ANN, t3)
        assert missing.decision.refusal is FollowUpRefusal.NOT_FOUND
    with factory() as session:
        from storage.models import FollowUp

        row = session.get_one(FollowUp, first)
        assert (row.status, row.assignee, row.alert_trigger) == ("resolved", ANN, "detractor")
        assert (row.assigned_at, row.resolved_at, row.contacted_at) == (t2, t3, None)
