"""The digest's revenue line, JSON keys and chart panel against hand computation, on the
company of `revenue_company` (SQLite and PostgreSQL).

Week 2026-W12 (Monday 16 to Sunday 22 March, UTC). MRR just before the week: ann 150,
bob 120, cat 300, dan 90, eve 60, fay 50, hal 500, ivy 25 (gus and kim gone) = 1295. In the
week only cat cancels (20 March): churned 300, end 995. GRR = NRR = 995 / 1295 = 76.83%,
revenue churn 23.17%. Week W11 (9-15 March): start 1235 (dan gone, eve new on 5 March),
ann +50, bob −80, dan back at 90: NRR (1235 + 50 − 80) / 1235 = 97.57%, so NRR moved
−20.74 pt.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import revenue_company as co
from matplotlib.image import imread

from handlers.slack.digest import render_blocks
from handlers.telegram.digest import render_messages
from insights.digest import (
    IsoWeek,
    Month,
    as_json,
    compose,
    monthly_chart,
    render_chart,
    render_text,
)
from insights.digest.monthly import compose_month
from insights.digest.numbers import change

W12 = IsoWeek(2026, 12)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _digest(factory, currency="EUR"):
    with factory() as session, session.begin():
        co.build(session)
    with factory() as session:
        return compose(
            session, W12, ZoneInfo("UTC"), now=NOW, weights=None, currency=currency, trend_weeks=2
        )


def test_digest_json_has_the_revenue_keys(factory):
    data = as_json(_digest(factory))
    assert data["mrr_lost"] == "300.00"
    assert data["gross_revenue_retention"] == 76.83
    assert data["net_revenue_retention"] == 76.83
    assert data["revenue_churn_rate"] == 23.17
    assert data["mrr_movements"] == {
        "start": "1295.00", "new": "0.00", "expansion": "0.00", "contraction": "0.00",
        "churned": "300.00", "reactivation": "0.00", "end": "995.00",
    }  # fmt: skip
    assert data["mrr_lost_customers"] == [
        {"external_id": "cat", "name": "Cat", "plan": "pro", "mrr": "300.00"}
    ]
    assert data["change"]["net_revenue_retention"] == -20.74
    assert data["change"]["nps"] is None  # the other changes are still there


def test_digest_text_has_a_revenue_line_with_nrr_and_mrr_lost(factory):
    text = render_text(_digest(factory))
    revenue = text.split("Revenue\n-------\n", 1)[1]
    assert revenue.startswith(
        "• MRR 995.00 EUR (−300.00 EUR this week) · NRR 76.8% (▼ 20.7 pt vs last week), "
        "GRR 76.8%, revenue churn 23.2% · MRR lost 300.00 EUR\n"
        "  Lost with: Cat, pro: 300.00 EUR\n"
        "• MRR movements: new 0.00 EUR, expansion 0.00 EUR, reactivation 0.00 EUR, "
        "contraction 0.00 EUR, churned −300.00 EUR\n"
    ), revenue


def test_digest_revenue_without_currency_writes_bare_amounts(factory):
    text = render_text(_digest(factory, currency=None))
    revenue = text.split("Revenue\n-------\n", 1)[1].split("\n\n", 1)[0]
    assert "MRR 995.00 (−300.00 this week)" in revenue
    assert "Lost with: Cat, pro: 300.00\n" in revenue
    assert "churned −300.00" in revenue
    assert "EUR" not in revenue and "None" not in revenue


def test_the_chart_gets_an_mrr_movement_panel(factory):
    digest = _digest(factory)
    png = render_chart(digest)
    assert imread(io.BytesIO(png)).shape[:2] == (1440 + 380, 1080)
    without = render_chart(replace(digest, revenue=None))
    assert imread(io.BytesIO(without)).shape[:2] == (1440, 1080)


def _march(factory):
    with factory() as session, session.begin():
        co.build(session)
    with factory() as session:
        return compose_month(
            session, Month(2026, 3), ZoneInfo("UTC"), now=NOW, weights=None, currency="EUR",
            trend_months=2,
        )  # fmt: skip


def test_the_monthly_revenue_line_says_month(factory):
    digest = _march(factory)
    m = digest.revenue.movements
    revenue = render_text(digest).split("Revenue\n-------\n", 1)[1].split("\n\n", 1)[0]
    assert f"MRR {m.end:,.2f} EUR (" in revenue and " EUR this month) · NRR " in revenue
    assert f"revenue churn {m.revenue_churn_rate:.1f}%" in revenue
    assert f"({change(digest.revenue.nrr_change, 'pt')} vs last month)" in revenue
    assert "week" not in revenue.lower()


def test_the_monthly_chart_gets_the_mrr_movement_panel(factory, monkeypatch):
    digest = _march(factory)
    drawn = []

    def spy(ax, revenue, label, tick, period="this week"):
        drawn.append((revenue, period))
        draw(ax, revenue, label, tick, period)

    draw = monthly_chart.draw_mrr_movements
    monkeypatch.setattr(monthly_chart, "draw_mrr_movements", spy)
    png = render_chart(digest)
    assert drawn == [(digest.revenue, "this month")]
    assert imread(io.BytesIO(png)).shape[:2] == (2500 + 380 + 80, 1080)
    without = render_chart(replace(digest, revenue=None))
    assert imread(io.BytesIO(without)).shape[:2] == (2500, 1080)
    assert len(drawn) == 1


def test_slack_and_telegram_digests_write_revenue_with_the_currency(factory):
    digest = _digest(factory)
    telegram = "\n".join(render_messages(digest))
    assert "Lost with: Cat, pro: 300.00 EUR" in telegram
    assert "churned −300.00 EUR" in telegram
    slack = repr(render_blocks(digest))
    assert "Lost with: Cat, pro: 300.00 EUR" in slack
    assert "churned −300.00 EUR" in slack
