"""`/churn customer` on a customer with values stored before times were checked (year 9999).

Such rows can be in a database imported by an older version. The story leaves them out
(the churn replay already does), so rendering it in a timezone east of UTC cannot overflow.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from builders import answer, customer, event
from handlers.slack.formatting import day
from insights.customer_story import customer_story
from insights.risk import default_weights

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
FAR = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)


def test_far_future_rows_are_left_out_of_the_story(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        who = customer(session, datetime(2026, 1, 5, tzinfo=UTC), external_id="far")
        event(session, who, "payment_failed", FAR)
        event(session, who, "payment_failed", datetime(2026, 11, 20, tzinfo=UTC))
        answer(session, who, "nps", 2, FAR, text="from the far future")
        answer(session, who, "nps", 3, datetime(2026, 11, 25, tzinfo=UTC), text="too slow")
    with factory() as session:
        story = customer_story(session, "far", NOW, default_weights())
    assert story is not None
    assert [line.text for line in story.feedback] == ["too slow"]
    assert [line.occurred_at.year for line in story.events] == [2026]
    tokyo = ZoneInfo("Asia/Tokyo")
    for line in story.events:  # what the Slack reply does with each date
        day(line.occurred_at, tokyo)
