"""Money shown to people carries CURRENCY when it is set and nothing when it is not:
`/churn customer`, the real-time alert, `/churn summary`'s revenue lines (leavers and
movements included). The digest and `metrics` are checked in their own test files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from builders import customer, event
from handlers.slack import alert_blocks
from handlers.slack.churn_queries import CustomerResult
from handlers.slack.customer_reply import render
from handlers.slack.summary_reply import revenue_text
from insights import lifecycle
from insights.alerts import AlertContent
from insights.customer_story import Matches, customer_story, find_customers
from insights.revenue.movements import Leaver, MrrMovements
from insights.revenue.orders import Orders
from insights.revenue.report import RevenueReport
from insights.risk import default_weights

UTC_TZ = ZoneInfo("UTC")
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
MOMENT = datetime(2026, 11, 20, 9, tzinfo=UTC)
ALERT = AlertContent(
    follow_up_id=1, trigger="detractor", survey="nps", answered_at=MOMENT,
    customer_external_id="c1", customer_name="Acme", plan="team", mrr=Decimal("1249.5"),
    customer_status="active", score=3, chosen_reason=None, text="too slow", language="en",
    reasons=(), sentiment=None, sentiment_label=None, tagged_answer_id=None, corrected_by=None,
    risk_score=None, risk_reasons=(), save_opportunity=False, status="open", assignee=None,
    assigned_at=None, contacted_at=None, resolved_at=None, post_destination=None, post_ref=None,
)  # fmt: skip
REPORT = RevenueReport(
    movements=MrrMovements(
        start=Decimal("1215"),
        end=Decimal("1040"),
        new=Decimal("60"),
        expansion=Decimal("80"),
        contraction=Decimal("80"),
        churned=Decimal("325"),
        reactivation=Decimal("90"),
    ),
    leavers=(
        Leaver("cat", "Cat", "pro", Decimal("300")),
        Leaver("ivy", "Ivy", None, Decimal("25")),
    ),
    plans=(),
    orders=Orders(0, 0, Decimal(0), None, None),
)


def _everything(reply) -> str:
    return reply.text + " " + repr(reply.blocks)


@pytest.mark.parametrize("currency", ["EUR", None])
def test_an_alert_writes_the_mrr_with_the_currency(currency: str | None) -> None:
    reply = alert_blocks.render(ALERT, UTC_TZ, currency)
    unit = " EUR" if currency else ""
    assert f"MRR *1,249.50{unit}*" in _everything(reply)
    assert f"(MRR 1,249.50{unit})" in reply.text
    assert ("EUR" in _everything(reply)) == bool(currency)


def test_summary_revenue_lines_carry_the_currency_on_every_amount() -> None:
    text = revenue_text(REPORT, None, "EUR")
    assert "MRR *1,040.00 EUR* (−175.00 EUR)" in text
    assert "MRR lost *325.00 EUR*: Cat (pro) 300.00 EUR, Ivy (–) 25.00 EUR" in text
    assert (
        "new +60.00 EUR · expansion +80.00 EUR · reactivation +90.00 EUR · "
        "contraction −80.00 EUR · churned −325.00 EUR"
    ) in text


def test_summary_revenue_lines_without_currency_are_bare_numbers() -> None:
    text = revenue_text(REPORT, None, None)
    assert "Cat (pro) 300.00, Ivy (–) 25.00" in text
    assert "churned −325.00" in text
    assert "EUR" not in text and "None" not in text


@pytest.mark.parametrize("currency", ["EUR", None])
def test_churn_customer_writes_mrr_and_amounts_with_the_currency(
    factory: sessionmaker[Session], currency: str | None
) -> None:
    with factory() as session, session.begin():
        who = customer(session, datetime(2026, 9, 1, tzinfo=UTC), external_id="up")
        event(session, who, "subscription_started", datetime(2026, 9, 1, tzinfo=UTC), "49")
        event(session, who, "subscription_changed", datetime(2026, 11, 2, tzinfo=UTC), "1299.5")
        lifecycle.refresh(session, NOW, timedelta(days=14))
    with factory() as session:
        story = customer_story(session, "up", NOW, default_weights())
    assert story is not None
    result = CustomerResult("up", Matches([], 1), story)
    text = _everything(render(result, UTC_TZ, lambda x: x, currency))
    unit = " EUR" if currency else ""
    assert f"· 1,299.50{unit}" in text  # plan · MRR
    assert f"MRR changed (1,299.50{unit})" in text
    assert f"subscription started (49.00{unit})" in text
    assert f"{unit} MRR expected lost" in text
    assert ("EUR" in text) == bool(currency)


def test_the_pick_list_writes_each_mrr_with_the_currency(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        customer(session, datetime(2026, 9, 1, tzinfo=UTC), external_id="a1", name="Ann A")
        customer(session, datetime(2026, 9, 1, tzinfo=UTC), external_id="a2", name="Ann B")
    with factory() as session:
        matches = find_customers(session, "Ann")
    text = _everything(render(CustomerResult("Ann", matches, None), UTC_TZ, str, "DKK"))
    assert text.count("10.00 DKK") == 2
