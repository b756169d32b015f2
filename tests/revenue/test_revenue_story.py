"""`/churn customer` lists a `subscription_changed` event with its new MRR."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from builders import customer, event
from handlers.slack.customer_reply import _events
from insights import lifecycle
from insights.customer_story import customer_story
from insights.risk import default_weights

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
GRACE = timedelta(days=14)


def test_an_mrr_change_is_shown_with_its_amount(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        who = customer(session, datetime(2026, 9, 1, tzinfo=UTC), external_id="up")
        event(session, who, "subscription_started", datetime(2026, 9, 1, tzinfo=UTC), "49")
        event(session, who, "subscription_changed", datetime(2026, 11, 2, tzinfo=UTC), "1299.5")
        lifecycle.refresh(session, NOW, GRACE)
    with factory() as session:
        story = customer_story(session, "up", NOW, default_weights())
    assert story is not None
    text = _events(story, ZoneInfo("UTC"), None)
    assert "MRR changes 1" in text
    assert "MRR changed (1,299.50)" in text
    assert story.customer.mrr == 1299.5  # today's MRR follows the change
