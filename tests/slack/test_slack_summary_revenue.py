"""`/churn summary` has a revenue line: MRR, NRR with its change, GRR, revenue churn, the
MRR lost and who took it, the movements; end to end on the /churn test company.

In the last 30 days Globex (pro, 299) and Umbrella (basic, 79) cancel: MRR lost 378.
Initech's unpaid failure fell in the 30 days before, so start MRR is the other nine
customers' 5,721 and NRR = GRR = (5721 − 378) / 5721 = 93.39%.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from slack_fake_api import FakeSlackApi
from slack_messages import ask, text_of
from slack_seed import NOW, TIMEZONE, seed
from sqlalchemy.orm import Session, sessionmaker

from insights.digest import numbers
from insights.periods import last_days
from insights.revenue.movements import mrr_movements

TZ = ZoneInfo(TIMEZONE)


@pytest.fixture
def seeded(factory: sessionmaker[Session]) -> dict[str, int]:
    return seed(factory)


async def test_summary_has_a_revenue_line(
    seeded: dict[str, int],
    events_url: str,
    slack_api: FakeSlackApi,
    factory: sessionmaker[Session],
) -> None:
    answer, took = await ask(events_url, slack_api, "summary 30d")
    assert took < 3
    period = last_days(30, TZ, NOW)
    with factory() as session:
        now = mrr_movements(session, period)
        before = mrr_movements(session, period.previous())
    assert (now.start, now.churned) == (5721, 378)
    assert now.net_revenue_retention == now.gross_revenue_retention == 93.39
    assert before.net_revenue_retention is not None
    change = numbers.change(93.39 - before.net_revenue_retention, "pt")
    text = text_of(answer)
    assert (
        f"*Revenue*\nMRR *5,343.00* (−378.00) · NRR *93.4%* ({change}) · GRR 93.4% · "
        "revenue churn 6.6%\n"
        "MRR lost *378.00*: Globex (pro) 299.00, Umbrella (basic) 79.00\n"
        "new 0.00 · expansion 0.00 · reactivation 0.00 · contraction 0.00 · churned −378.00"
    ) in text
