"""MRR movements, GRR, NRR, revenue churn, MRR lost, CLTV by plan and order value against
the hand-worked company of `revenue_company`, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import revenue_company as co
from sqlalchemy import func, select

from builders import event
from insights import metrics
from insights.metrics import Period
from insights.revenue.movements import mrr_movements, top_leavers
from insights.revenue.mrr import just_before, mrr_by_customer, total_mrr
from insights.revenue.orders import orders
from insights.revenue.plans import cltv_by_plan
from insights.revenue.report import revenue_report
from storage.models import Customer, Event


def test_movements_and_retention_match_the_hand_computation(factory):
    with factory() as session, session.begin():
        co.build(session)
    with factory() as session:
        moved = mrr_movements(session, co.PERIOD)
        leavers = top_leavers(session, co.PERIOD)
    assert {name: getattr(moved, name) for name in co.EXPECTED} == co.EXPECTED
    assert moved.gross_revenue_retention == co.GRR
    assert moved.net_revenue_retention == co.NRR
    assert moved.revenue_churn_rate == co.REVENUE_CHURN
    assert moved.net_change == Decimal("-175.00")
    assert [(x.external_id, x.name, x.plan, x.mrr) for x in leavers] == [
        ("cat", "Cat", "pro", Decimal("300.00")),
        ("ivy", "Ivy", "basic", Decimal("25.00")),
    ]


def test_mrr_at_a_moment_counts_what_happened_at_that_moment(factory):
    """`occurred_at <= t`, `churned_at <= t < reactivated_at`, 0 before signing up."""
    with factory() as session, session.begin():
        c = co.build(session)
    moments = (co.END, just_before(co.END), co.march(20), just_before(co.march(20)))
    with factory() as session:
        totals = total_mrr(session, moments)
        per = {
            row.customer_id: (row.mrr_0, row.mrr_1, row.mrr_2, row.mrr_3, row.gone_2)
            for row in session.execute(mrr_by_customer(moments))
        }
    assert totals[0] - totals[1] == Decimal("100.00")  # hal's upgrade at exactly 1 April
    assert per[c["hal"].id][:2] == (Decimal("600"), Decimal("500"))
    # cat cancelled at 12:00 on 20 March: gone at that moment, paying just before it.
    assert per[c["cat"].id][2:] == (Decimal("0"), Decimal("300"), 1)
    assert per[c["joe"].id][0] == 0  # signs up in April
    assert per[c["fay"].id][0] == Decimal("50")  # no amount anywhere: the mrr column


def test_grr_nrr_are_undefined_without_start_mrr_and_components_add_up(factory):
    with factory() as session, session.begin():
        co.build(session)
    before_anyone = Period(co.START.replace(year=2025), co.START.replace(year=2025, month=4))
    with factory() as session:
        empty = mrr_movements(session, before_anyone)
        assert empty.start == 0
        assert empty.gross_revenue_retention is None
        assert empty.net_revenue_retention is None
        assert empty.revenue_churn_rate is None
        # Any period: start + new + expansion + reactivation − contraction − churned = end.
        for period in (Period(co.START, co.march(16)), Period(co.march(16), co.NOW)):
            m = mrr_movements(session, period)
            assert m.start + m.new + m.expansion + m.reactivation - m.contraction - m.churned == (
                m.end
            )
            assert m.end == total_mrr(session, [just_before(period.end)])[0]


def test_cltv_by_plan_and_orders(factory):
    with factory() as session, session.begin():
        co.build(session)
    with factory() as session:
        plans = {p.plan: p for p in cltv_by_plan(session, co.PERIOD)}
        bought = orders(session, co.PERIOD)
    pro, basic, enterprise = plans["pro"], plans["basic"], plans["enterprise"]
    month = 30.4375 / 31
    assert (pro.customers_start, pro.customers_end, pro.lost_customers) == (3, 2, 1)
    assert (pro.mrr_end, pro.arpu) == (Decimal("270.00"), Decimal("135.00"))
    assert pro.cltv == (Decimal("135") / Decimal(str(1 / 3 * month))).quantize(Decimal("0.01"))
    # basic: fay, gus, ivy at start (dan and kim gone, eve new); dan, eve, fay, gus at end;
    # gus and ivy lost in March (gus came back, and is still counted as lost, as in metrics).
    assert (basic.customers_start, basic.customers_end, basic.lost_customers) == (3, 4, 2)
    assert (basic.mrr_end, basic.arpu) == (Decimal("270.00"), Decimal("67.50"))
    assert basic.monthly_churn_rate == round(2 / 3 * month * 100, 2)
    assert enterprise.arpu == Decimal("500.00") and enterprise.cltv is None
    assert (bought.purchases, bought.purchasing_customers) == (4, 2)
    assert bought.average_order_value == Decimal("33.33")
    assert bought.purchase_frequency == 2.0
    assert bought.revenue == Decimal("100.00")


def test_metrics_mrr_end_and_today_mrr_follow_the_history(factory):
    """metrics' MRR at end is the end MRR of the movements; the replay keeps
    customers.mrr at the newest subscription amount (fay keeps her imported 50)."""
    with factory() as session, session.begin():
        co.build(session)
    with factory() as session:
        result = metrics.compute(session, co.PERIOD)
        report = revenue_report(session, co.PERIOD)
        rows = session.execute(select(Customer.external_id, Customer.mrr))
        today = {ext: mrr for ext, mrr in rows}
    assert result.mrr_end == report.movements.end == Decimal("1040.00")
    assert result.arpu == (Decimal("1040") / result.customers_end).quantize(Decimal("0.01"))
    assert today["ann"] == Decimal("150") and today["hal"] == Decimal("600")
    assert today["fay"] == Decimal("50") and today["gus"] == Decimal("70")
    data = report.as_json()
    assert data["mrr_lost"] == "325.00"
    assert data["net_revenue_retention"] == co.NRR
    assert [x["external_id"] for x in data["mrr_lost_customers"]] == ["cat", "ivy"]


def test_total_mrr_is_the_sum_of_each_customers_mrr_at_every_moment(factory):
    """The three-aggregate total equals Σ `mrr_by_customer`: at each event's time, just
    before it, and at quiet moments (ties, boundaries, gone and not-yet-signed customers)."""
    with factory() as session, session.begin():
        co.build(session)
        # Two amounts at the same moment: the later-stored one is in force.
        bob = session.query(Customer).filter_by(external_id="bob").one()
        event(session, bob, "subscription_changed", co.march(28), "10")
        event(session, bob, "subscription_changed", co.march(28), "11")
    with factory() as session:
        times = sorted({e for (e,) in session.execute(select(Event.occurred_at))})
        moments = [m for t in times for m in (t, just_before(t))] + [co.START, co.END, co.NOW]
        per = mrr_by_customer(moments).subquery()
        sums = session.execute(
            select(*(func.coalesce(func.sum(per.c[f"mrr_{i}"]), 0) for i in range(len(moments))))
        ).one()
        totals = total_mrr(session, moments)
        rows = {r.customer_id: r.mrr_0 for r in session.execute(mrr_by_customer([co.END]))}
    assert totals == [Decimal(str(v)).quantize(Decimal("0.01")) for v in sums]
    assert len(moments) > 30
    assert rows[bob.id] == Decimal("11")
