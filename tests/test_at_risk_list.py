"""The at-risk list from the database: hand-made customers and the reasons they get."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from click.testing import CliRunner

from bot.cli import main
from builders import answer, customer, event
from insights import lifecycle
from insights.at_risk import at_risk, plans_on_record
from insights.risk import default_weights

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=400)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def seed(factory):
    with factory() as session, session.begin():
        detractor = customer(session, LONG_AGO, mrr="100", external_id="detractor", plan="pro")
        for day in range(60, 5, -7):
            event(session, detractor, "activity", ago(day))
        answer(session, detractor, "nps", 3, ago(18))

        quiet = customer(session, LONG_AGO, mrr="100", external_id="quiet", plan="pro")
        for day in range(164, 40, -3):  # every 3 days, then silence since 41 days ago
            event(session, quiet, "activity", ago(day))

        slow = customer(session, LONG_AGO, mrr="100", external_id="slow", plan="pro")
        for day in range(401, 40, -60):  # every 60 days: 41 days of silence is normal
            event(session, slow, "activity", ago(day))

        payer = customer(session, LONG_AGO, mrr="100", external_id="payer", plan="basic")
        for day in range(40, 0, -4):
            event(session, payer, "activity", ago(day))
        event(session, payer, "payment_failed", ago(20))
        event(session, payer, "payment_succeeded", ago(18))
        event(session, payer, "payment_failed", ago(3))

        happy = customer(session, LONG_AGO, mrr="1000", external_id="happy", plan="pro")
        for day in range(90, 0, -2):
            event(session, happy, "activity", ago(day))
        answer(session, happy, "nps", 10, ago(10))

        gone = customer(session, LONG_AGO, mrr="5000", external_id="gone")
        answer(session, gone, "nps", 0, ago(30))
        event(session, gone, "subscription_cancelled", ago(25))
    with factory() as session, session.begin():
        lifecycle.refresh(session, NOW, timedelta(days=14))


def listed(factory, **kwargs):
    with factory() as session:
        return {row.external_id: row for row in at_risk(session, NOW, default_weights(), **kwargs)}


def test_reasons_name_the_signals_in_plain_words(factory):
    seed(factory)
    rows = listed(factory, limit=None)
    assert "gone" not in rows  # churned customers are not "at risk" any more
    assert any(r.startswith("NPS 3 on ") for r in rows["detractor"].reasons)
    assert "no activity for 41 days, usually every 3" in rows["quiet"].reasons
    assert not any(r.startswith("no activity") for r in rows["slow"].reasons)
    assert rows["quiet"].probability > rows["slow"].probability
    assert "2 failed payments in the last 30 days" in rows["payer"].reasons
    assert "a failed payment is still unpaid" in rows["payer"].reasons
    assert rows["happy"].probability < min(
        rows[k].probability for k in ("detractor", "quiet", "payer")
    )


def test_ordered_by_revenue_at_risk_and_limited(factory):
    seed(factory)
    rows = list(listed(factory, limit=None).values())
    amounts = [row.revenue_at_risk for row in rows]
    assert amounts == sorted(amounts, reverse=True)
    for row in rows:
        expected = row.mrr * Decimal(repr(row.probability))
        assert row.revenue_at_risk == expected.quantize(Decimal("0.01"), ROUND_HALF_UP)
    # The happy customer pays ten times more: a lower probability can still top the list.
    assert rows[0].external_id == "happy"
    assert len(listed(factory, limit=2)) == 2
    assert set(listed(factory, limit=None, plan="basic")) == {"payer"}


def test_cli_json_shape(factory, database_url):
    seed(factory)
    result = CliRunner().invoke(
        main, ["at-risk", "--limit", "3", "--format", "json"], env={"DATABASE_URL": database_url}
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data) == 3
    assert set(data[0]) >= {
        "external_id",
        "name",
        "churn_probability",
        "horizon_days",
        "mrr",
        "revenue_at_risk",
        "reasons",
        "contributions",
    }
    assert "score" not in data[0]


def test_a_plan_nobody_has_is_an_error_that_names_the_plans(factory, database_url):
    """`--plan prp` is a typo, not an empty list: one line naming the plans on record;
    a plan whose customers all left is an answer ("No active customers on plan ...")."""
    seed(factory)
    with factory() as session, session.begin():
        gone = customer(session, LONG_AGO, mrr="10", external_id="old-plan", plan="legacy")
        event(session, gone, "subscription_cancelled", ago(25))
    with factory() as session, session.begin():
        lifecycle.refresh(session, NOW, timedelta(days=14))
    env = {"DATABASE_URL": database_url}
    typo = CliRunner().invoke(main, ["at-risk", "--plan", "prp"], env=env)
    assert typo.exit_code == 2
    assert typo.stderr.strip() == (
        "error: No customer has plan 'prp'. Plans on record: 'basic', 'legacy', 'pro'."
    )
    assert typo.stdout == ""
    as_json = CliRunner().invoke(main, ["at-risk", "--plan", "prp", "--format", "json"], env=env)
    assert as_json.exit_code == 2 and as_json.stdout == ""  # never an empty list for a typo
    empty = CliRunner().invoke(main, ["at-risk", "--plan", "LEGACY"], env=env)
    assert empty.exit_code == 0, empty.stderr
    assert empty.stdout.strip() == "No active customers on plan 'LEGACY'."
    blank = CliRunner().invoke(main, ["at-risk", "--plan", "  "], env=env)
    assert blank.exit_code == 2 and "give a plan name" in blank.stderr
    found = CliRunner().invoke(main, ["at-risk", "--plan", "PRO", "--format", "json"], env=env)
    assert found.exit_code == 0, found.stderr
    rows = json.loads(found.stdout)
    assert rows and {row["plan"] for row in rows} == {"pro"}  # any case


def test_plans_match_in_any_case_and_script(factory):
    """SQLite's lower() folds ASCII only: "премиум" must still find "Премиум", and the
    stored spellings of one plan ("Pro", "pro ") are one plan."""
    with factory() as session, session.begin():
        for external_id, plan in (("ru", "Премиум"), ("a", "Pro"), ("b", "pro ")):
            who = customer(session, LONG_AGO, mrr="100", external_id=external_id, plan=plan)
            for day in range(60, 5, -7):
                event(session, who, "activity", ago(day))
    with factory() as session, session.begin():
        lifecycle.refresh(session, NOW, timedelta(days=14))
    assert set(listed(factory, limit=None, plan="премиум")) == {"ru"}
    assert set(listed(factory, limit=None, plan=" PRO")) == {"a", "b"}
    with factory() as session:
        assert plans_on_record(session) == ["Pro", "Премиум"]


def test_empty_database_gives_an_empty_list(factory):
    assert listed(factory) == {}
