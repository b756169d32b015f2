"""The call list from the database: new to the list this week, owner, last contact."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from bot.cli import main
from bot.commands.call_list_text import render_call_list
from builders import answer, customer, event
from handlers.slack import at_risk_reply
from handlers.slack.churn_args import AtRisk
from handlers.slack.churn_queries import AtRiskResult
from insights import lifecycle
from insights.at_risk import at_risk, at_risk_at
from insights.call_list import NEW_SINCE, call_list, contact_note
from insights.risk import default_weights
from storage.models import FollowUp

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=400)
TZ = ZoneInfo("UTC")


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def follow_up(session, who, created, *, assignee, contacted=None, resolved=None) -> None:
    session.add(
        FollowUp(
            customer_id=who.id,
            kind="alert",
            status="resolved" if resolved else "contacted" if contacted else "assigned",
            assignee=assignee,
            created_at=created,
            updated_at=created,
            assigned_at=created,
            contacted_at=contacted,
            resolved_at=resolved,
        )
    )


def seed(factory) -> None:
    """`silent` has been silent for two months (on the list for weeks); `payer` was as
    healthy as the others until a payment failed two days ago and is still unpaid."""
    with factory() as session, session.begin():
        silent = customer(session, LONG_AGO, mrr="100", external_id="silent", name="Silent Ltd")
        for day in range(160, 60, -3):
            event(session, silent, "activity", ago(day))
        payer = customer(session, LONG_AGO, mrr="90", external_id="payer")
        healthy = [customer(session, LONG_AGO, mrr="100", external_id=f"ok{n}") for n in range(3)]
        for who in [payer, *healthy]:
            for day in range(90, 0, -2):
                event(session, who, "activity", ago(day))
        event(session, payer, "payment_failed", ago(2))
        # Bob's follow-up was resolved weeks ago; Alice has owned the open one since.
        follow_up(session, silent, ago(30), assignee="U_BOB", contacted=ago(20), resolved=ago(15))
        follow_up(session, silent, ago(5), assignee="U_ALICE", contacted=ago(3))


def listed(factory, as_of=NOW, limit=2):
    with factory() as session:
        rows = call_list(session, as_of, default_weights(), limit=limit)
    return {row.external_id: row for row in rows}


def test_a_customer_not_on_last_weeks_list_is_marked_new(factory):
    seed(factory)
    rows = listed(factory)
    assert set(rows) == {"silent", "payer"}
    assert rows["payer"].new_to_list is True  # a week ago a healthy account ranked above
    assert rows["silent"].new_to_list is False  # already on the list a week earlier
    everyone = listed(factory, limit=None)
    assert {row.new_to_list for row in everyone.values()} == {None}  # no list to enter


def test_owner_and_last_contact_as_of_the_list_date(factory):
    seed(factory)
    rows = listed(factory)
    assert (rows["silent"].owner, rows["silent"].last_contacted_at) == ("U_ALICE", ago(3))
    assert (rows["payer"].owner, rows["payer"].last_contacted_at) == (None, None)
    earlier = listed(factory, as_of=ago(4))
    # Four days ago Alice owned it but had not called yet; Bob's call was the last one.
    assert (earlier["silent"].owner, earlier["silent"].last_contacted_at) == ("U_ALICE", ago(20))
    data = rows["silent"].as_json()
    assert data["owner"] == "U_ALICE" and data["new_to_list"] is False
    assert data["last_contacted_at"] == ago(3).isoformat()


def test_contact_note_wording():
    assert contact_note(None, None, NOW, TZ) == "no owner · not contacted yet"
    assert contact_note("U_ALICE", ago(3), NOW, TZ) == "owner U_ALICE · last contacted 17 Nov"
    assert contact_note("bo", datetime(2025, 12, 30, tzinfo=UTC), NOW, TZ) == (
        "owner bo · last contacted 30 Dec 2025"
    )


def test_the_terminal_list_fits_80_columns_with_reasons_under_each_row(factory):
    seed(factory)
    with factory() as session:
        rows = call_list(session, NOW, default_weights(), limit=2)
    # A name too wide for its cell, in characters that take two columns each.
    wide = [
        replace(row, name="株式会社 とても長い名前の会社 " * 3)
        if row.external_id == "payer"
        else row
        for row in rows
    ]
    text = render_call_list(wide, as_of=NOW, tz=TZ, width=80, currency="EUR")
    lines = text.splitlines()
    assert all(cell_len(line) <= 80 for line in lines), text
    assert "MRR EUR" in lines[2] and "loss EUR" in lines[2]
    for row in wide:
        why = " ".join(line.strip() for line in lines if line.startswith("     "))
        for reason in row.reasons:
            assert reason in why.replace("why: ", "")  # whole, wrapped under the row
    silent_row = next(n for n, line in enumerate(lines) if "Silent Ltd (silent)" in line)
    assert lines[silent_row + 1] == "     owner U_ALICE · last contacted 17 Nov"
    assert lines[silent_row + 2].startswith("     why: ")
    payer_row = next(n for n, line in enumerate(lines) if line.split()[1:3] == ["NEW", "株式会社"])
    rest = lines[payer_row + 1]  # the rest of the name, wrapped inside its own cell
    assert len(rest) - len(rest.lstrip()) == lines[payer_row].index("NEW")
    assert "(payer)" in "".join(lines[payer_row : payer_row + 4])


def test_at_risk_cli_at_80_columns_and_as_json(factory, database_url):
    seed(factory)
    env = {"DATABASE_URL": database_url, "COLUMNS": "80", "CURRENCY": "kr"}
    table = CliRunner().invoke(main, ["at-risk", "--limit", "3"], env=env)
    assert table.exit_code == 0, table.output
    assert all(cell_len(line) <= 80 for line in table.stdout.splitlines()), table.stdout
    assert "owner U_ALICE · last contacted" in table.stdout
    assert " kr (sum of MRR" in table.stdout  # the expected loss in CURRENCY
    as_json = CliRunner().invoke(main, ["at-risk", "--format", "json"], env=env)
    rows = {row["external_id"]: row for row in json.loads(as_json.stdout)}
    assert rows["silent"]["owner"] == "U_ALICE"
    assert {"new_to_list", "last_contacted_at", "contributions"} <= set(rows["silent"])


def test_slack_at_risk_reply_shows_new_owner_and_last_contact(factory):
    seed(factory)
    with factory() as session:
        rows = call_list(session, NOW, default_weights(), limit=2)
    reply = at_risk_reply.render(AtRiskResult(AtRisk(2), NOW, rows), TZ)
    text = json.dumps(reply.blocks, ensure_ascii=False)
    assert "*Silent Ltd* (`silent`)\\n" in text  # not new: no marker after the name
    assert "2. `payer` · *new this week*\\n" in text
    assert "owner U_ALICE · last contacted 17 Nov" in text
    assert "no owner · not contacted yet" in text
    in_kroner = json.dumps(
        at_risk_reply.render(AtRiskResult(AtRisk(2), NOW, rows), TZ, "kr").blocks,
        ensure_ascii=False,
    )
    assert "MRR 100.00 kr · expected loss *" in in_kroner


@pytest.mark.parametrize(("limit", "plan"), [(1, None), (10, None), (5, "team")])
def test_new_marks_equal_a_separate_scoring_a_week_earlier(factory, monkeypatch, limit, plan):
    """`call_list` scores both dates in one pass (`at_risk_at`); the lists and the "new"
    marks must be exactly those of two plain `at_risk` calls, ties included."""
    monkeypatch.setattr("insights.at_risk.CHUNK", 40)  # many chunks: the floors rise often
    rng = random.Random(limit)
    with factory() as session, session.begin():
        for n in range(200):
            who = customer(
                session,
                ago(rng.uniform(3, 700)),
                mrr=rng.choice(["19", "49", "49", "149", "499"]),
                external_id=f"g{n:03d}",
                plan=rng.choice(["starter", "team", "Team"]),
            )
            for _ in range(rng.randint(0, 8)):
                event(session, who, "activity", ago(rng.uniform(0, 120)))
            if rng.random() < 0.3:
                answer(session, who, "nps", rng.randint(0, 10), ago(rng.uniform(0, 60)))
            if rng.random() < 0.08:
                event(session, who, "payment_failed", ago(rng.uniform(0, 20)))
    with factory() as session, session.begin():
        lifecycle.refresh(session, NOW, timedelta(days=14))
    weights = default_weights()
    with factory() as session:
        marked = call_list(session, NOW, weights, limit=limit, plan=plan)
        now = at_risk(session, NOW, weights, limit=limit, plan=plan)
        before = at_risk(session, NOW - NEW_SINCE, weights, limit=limit, plan=plan)
        both = at_risk_at(session, [NOW, NOW - NEW_SINCE], weights, limit=limit, plan=plan)

    def key(rows):
        return [(r.external_id, r.revenue_at_risk, r.probability, r.reasons) for r in rows]

    assert [key(rows) for rows in both] == [key(now), key(before)]
    earlier = {row.external_id for row in before}
    assert [(r.external_id, r.new_to_list) for r in marked] == [
        (r.external_id, r.external_id not in earlier) for r in now
    ]
    assert len(now) == limit and now != before  # a list that did change over the week
