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


def _tagged_answer(
    factory: sessionmaker[Session], external_id: str, text: str, tags: dict[str, str]
) -> None:
    """A customer with one NPS comment carrying `tags` (reason -> source)."""
    with factory() as session, session.begin():
        who = customer(session, datetime(2026, 1, 5, tzinfo=UTC), external_id=external_id)
        answer(session, who, "nps", 3, WHEN, text=text)
        comment = session.scalar(
            select(Answer.id).where(Answer.question == "comment", Answer.customer_id == who.id)
        )
        assert comment is not None
        for reason, source in tags.items():
            session.add(
                AnswerTag(
                    answer_id=comment, reason=reason, rule=None, source=source, created_at=WHEN
                )
            )


def test_model_only_reasons_are_marked_learned(factory: sessionmaker[Session]) -> None:
    _tagged_answer(
        factory,
        "mixed",
        "Too expensive and nobody calls back",
        {"price": "rules", "support": "model", "billing": "staff"},
    )
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
    _tagged_answer(factory, "plain", "Too expensive", {"price": "rules"})
    with factory() as session:
        story = customer_story(session, "plain", NOW, default_weights())
    assert story is not None
    assert story.feedback[0].learned == ()
    assert "(learned)" not in str(render_story(story, ZoneInfo("UTC")).blocks)
