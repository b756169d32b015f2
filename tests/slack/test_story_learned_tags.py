"""`/churn customer` tells staff which tags are the learned model's reading: a reason only
the model found is marked "(learned)", a rule's or a staff member's is not."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from builders import answer, customer
from handlers.slack.customer_reply import render_story
from insights.customer_story import customer_story
from insights.risk import default_weights
from storage.models import Answer, AnswerTag

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
WHEN = datetime(2026, 11, 25, tzinfo=UTC)


def _tag(session: Session, answer_id: int, reason: str, source: str) -> None:
    session.add(
        AnswerTag(answer_id=answer_id, reason=reason, rule=None, source=source, created_at=WHEN)
    )


def test_model_only_reasons_are_marked_learned(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        who = customer(session, datetime(2026, 1, 5, tzinfo=UTC), external_id="mixed")
        answer(session, who, "nps", 3, WHEN, text="Too expensive and nobody calls back")
        comment = session.scalar(select(Answer.id).where(Answer.question == "comment"))
        assert comment is not None
        _tag(session, comment, "price", "rules")
        _tag(session, comment, "support", "model")
        _tag(session, comment, "billing", "staff")
    with factory() as session:
        story = customer_story(session, "mixed", NOW, default_weights())
    assert story is not None
    (line,) = story.feedback
    assert line.reasons == ("price", "support", "billing")
    assert line.learned == ("support",)
    text = str(render_story(story, ZoneInfo("UTC")).blocks)
    assert "Support (learned)" in text
    assert "Price (learned)" not in text and "Billing (learned)" not in text


def test_a_story_without_learned_tags_has_no_marker(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        who = customer(session, datetime(2026, 1, 5, tzinfo=UTC), external_id="plain")
        answer(session, who, "nps", 3, WHEN, text="Too expensive")
        comment = session.scalar(select(Answer.id).where(Answer.question == "comment"))
        assert comment is not None
        _tag(session, comment, "price", "rules")
    with factory() as session:
        story = customer_story(session, "plain", NOW, default_weights())
    assert story is not None
    assert story.feedback[0].learned == ()
    assert "(learned)" not in str(render_story(story, ZoneInfo("UTC")).blocks)
