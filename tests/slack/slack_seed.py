"""A small company for the /churn tests: customers, churn events, answers with tags.

The clock stands at NOW (15 March 2026, Europe/Berlin business). "30d" is then
14 Feb .. 15 Mar and the period before it 15 Jan .. 13 Feb; the data has something in
both, so every figure has a change to show. Tags are written directly (not by the
tagger) so the expected counts read off this file.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from builders import answer, at, customer, event
from storage.models import Answer, AnswerTag, Customer, SurveySession

NOW = datetime(2026, 3, 15, 11, 0, tzinfo=UTC)
TIMEZONE = "Europe/Berlin"

CUSTOMERS = [
    # external id, name, email, plan, mrr
    ("acme-1", "Acme Corp", "ops@acme.example", "pro", "499"),
    ("globex", "Globex", "it@globex.example", "pro", "299"),
    ("initech", "Initech", "bill@initech.example", "basic", "49"),
    ("umbrella", "Umbrella", "ceo@umbrella.example", "basic", "79"),
    ("hooli", "Hooli", "gavin@hooli.example", "pro", "899"),
    ("stark", "Stark Industries", "tony@stark.example", "enterprise", "1999"),
    ("wayne", "Wayne Enterprises", "bruce@wayne.example", "enterprise", "1499"),
    ("acme-2", "Acme Labs", "lab@acme-labs.example", "basic", "59"),
    ("soylent", "Soylent", "people@soylent.example", "basic", "39"),
    ("tyrell", "Tyrell", "eldon@tyrell.example", "pro", "349"),
]


def _tag(session: Session, survey_session: SurveySession, *reasons: str) -> None:
    comment = next(a for a in survey_session.answers if a.text)
    for reason in reasons:
        session.add(
            AnswerTag(
                answer_id=comment.id,
                reason=reason,
                rule="test",
                source="rules",
                created_at=comment.answered_at,
            )
        )
    comment.sentiment, comment.sentiment_label = -0.6, "negative"
    comment.tagged_at = comment.answered_at


def seed(factory: sessionmaker[Session]) -> dict[str, int]:
    """Writes the company; returns customer ids by external id."""
    with factory() as session, session.begin():
        c = {
            external_id: customer(
                session,
                at(1 + n),
                mrr=mrr,
                external_id=external_id,
                name=name,
                email=email,
                plan=plan,
                language="en",
            )
            for n, (external_id, name, email, plan, mrr) in enumerate(CUSTOMERS)
        }
        # Churn: Globex and Umbrella cancel in the current 30 days, Initech's payment
        # fails in the period before and is never recovered (involuntary).
        event(session, c["globex"], "subscription_cancelled", at(65))
        event(session, c["umbrella"], "subscription_cancelled", at(50))
        event(session, c["initech"], "payment_failed", at(40))
        # Activity: Hooli and Stark busy, Wayne went quiet in January.
        for day in range(20, 74, 3):
            event(session, c["hooli"], "activity", at(day))
            event(session, c["stark"], "activity", at(day + 1))
        for day in (5, 9, 12, 16):
            event(session, c["wayne"], "activity", at(day))
        event(session, c["acme-1"], "payment_failed", at(70))
        event(session, c["acme-1"], "support_ticket_closed", at(68))

        # Current period: answers and tagged comments.
        s = answer(session, c["acme-1"], "nps", 3, at(66), "Far too expensive and support is slow")
        _tag(session, s, "price", "support")
        s = answer(session, c["wayne"], "nps", 5, at(60), "We are moving to a competitor soon")
        _tag(session, s, "competitor")
        s = answer(session, c["tyrell"], "nps", 6, at(62), "The price went up again")
        _tag(session, s, "price")
        answer(session, c["hooli"], "nps", 10, at(61), "Love it")
        answer(session, c["stark"], "nps", 9, at(63))
        answer(session, c["soylent"], "nps", 8, at(64))
        answer(session, c["stark"], "csat", 5, at(67))
        answer(session, c["acme-2"], "csat", 2, at(69))
        s = answer(session, c["tyrell"], "csat", 1, at(71), "Nobody answered my ticket for a week")
        _tag(session, s, "support")
        exit_session = answer(
            session, c["globex"], "exit", None, at(65), "Switching to a rival tool"
        )
        session.add(
            Answer(
                session_id=exit_session.id,
                customer_id=c["globex"].id,
                survey="exit",
                question="reason",
                choice="competitor",
                answered_at=at(65),
                channel="telegram",
                created_at=at(65),
                updated_at=at(65),
            )
        )
        session.flush()
        _tag(session, exit_session, "competitor")

        # The period before: fewer answers, one reason.
        s = answer(session, c["umbrella"], "nps", 2, at(30), "Too expensive for a small team")
        _tag(session, s, "price")
        answer(session, c["hooli"], "nps", 9, at(35))
        answer(session, c["stark"], "csat", 4, at(33))
        return {external_id: row.id for external_id, row in c.items()}


def many_customers(factory: sessionmaker[Session], n: int) -> None:
    """`n` more active customers on plan "bulk" (added in one flush: it is a size test)."""
    with factory() as session, session.begin():
        session.add_all(
            Customer(
                external_id=f"bulk-{i:04d}",
                name=f"Bulk Customer {i:04d} with a rather long company name, Ltd.",
                plan="bulk",
                mrr=Decimal(10 + i),
                signed_up_at=at(1) - timedelta(days=i % 300),
                status="active",
                created_at=at(1),
                updated_at=at(1),
            )
            for i in range(n)
        )
