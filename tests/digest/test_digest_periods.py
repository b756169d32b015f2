"""Digest weeks that have not ended or not started, weeks before the first data, and
how its figures are written (response rate, money with CURRENCY, the call list)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from builders import answer, customer, event
from insights.digest import IsoWeek, compose, render_json, render_text
from insights.periods import PeriodNotStarted
from insights.risk import default_weights
from storage.models import FollowUp

TZ = ZoneInfo("UTC")
FIRST = datetime(2026, 3, 2, 9, tzinfo=UTC)  # Monday of 2026-W10
NOW = datetime(2026, 4, 8, 12, tzinfo=UTC)  # Wednesday of 2026-W15


def seed(factory) -> None:
    with factory() as session, session.begin():
        people = [customer(session, FIRST, mrr="1250", name=f"P{n}") for n in range(6)]
        event(session, people[0], "payment_succeeded", FIRST)  # the records begin
        for who in people[1:]:
            for day in range(30, 0, -2):
                event(session, who, "activity", NOW - timedelta(days=day))
        # W15 so far: one NPS answer on Tuesday; one dated Friday is after `now`.
        answer(session, people[1], "nps", 10, datetime(2026, 4, 7, 10, tzinfo=UTC))
        answer(session, people[2], "nps", 0, datetime(2026, 4, 10, 10, tzinfo=UTC))
        # W14: 3 surveys sent, 2 answered (one of them in W15).
        sent = datetime(2026, 3, 31, 9, tzinfo=UTC)
        answer(session, people[3], "csat", 5, datetime(2026, 4, 1, 9, tzinfo=UTC), sent_at=sent)
        answer(session, people[4], "csat", 4, datetime(2026, 4, 6, 9, tzinfo=UTC), sent_at=sent)
        answer(session, people[5], "csat", None, sent, sent_at=sent)
        session.add(
            FollowUp(
                customer_id=people[0].id,
                kind="alert",
                status="contacted",
                assignee="U_ALICE",
                created_at=datetime(2026, 4, 1, tzinfo=UTC),
                updated_at=datetime(2026, 4, 2, tzinfo=UTC),
                contacted_at=datetime(2026, 4, 2, 15, tzinfo=UTC),
            )
        )


def digest_of(factory, week: str, now: datetime = NOW, currency: str | None = None):
    with factory() as session:
        return compose(
            session, IsoWeek.parse(week), TZ, now=now, weights=default_weights(), currency=currency
        )


def test_a_future_week_is_refused_in_one_line(factory):
    seed(factory)
    with pytest.raises(PeriodNotStarted) as refused:
        digest_of(factory, "2027-W10")
    assert str(refused.value) == "2027-W10 has not happened yet"
    with pytest.raises(PeriodNotStarted, match="2026-W16 has not happened yet"):
        digest_of(factory, "2026-W16")  # next week: starts after now


def test_the_current_week_is_labelled_so_far_and_counts_only_what_happened(factory):
    seed(factory)
    digest = digest_of(factory, "2026-W15")
    assert digest.so_far and digest.covered_until == NOW
    assert digest.current.nps_responses == 1 and digest.current.nps == 100.0  # not Friday's 0
    text = render_text(digest)
    first_line = text.splitlines()[0]
    assert first_line == (
        "Retention digest · week 15 · 6–12 Apr 2026 · "
        "so far: 6 Apr – 8 Apr 2026, 3 of 7 days, the last one under way"
    )
    assert "The week is not over: its figures are so far, and changes against a whole " in text
    # Three days set against a whole week are not like with like: no change is shown.
    assert "vs last week" not in text
    assert "vs last week" in render_text(digest_of(factory, "2026-W14"))
    data = json.loads(render_json(digest))
    assert data["so_far"] is True and data["covered_until"] == NOW.isoformat()

    ended = digest_of(factory, "2026-W14")
    assert not ended.so_far and "so far" not in render_text(ended)
    assert json.loads(render_json(ended))["so_far"] is False


def test_a_week_before_the_first_data_says_so_and_lists_nobody_to_call(factory):
    seed(factory)
    digest = digest_of(factory, "2026-W05")
    assert digest.before_first_data and digest.at_risk == () and digest.at_risk_as_of is None
    text = render_text(digest)
    assert "No data for this week. It is before the first data: the records begin on " in text
    assert "2 Mar 2026 (the first event, survey or churn;" in text
    assert "Call first" not in text and "at risk" not in text.lower()
    assert json.loads(render_json(digest))["before_first_data"] is True


def test_response_rate_is_answered_of_sent_with_that_count_beside_it(factory):
    seed(factory)
    week = digest_of(factory, "2026-W14").current
    assert (week.surveys_sent, week.surveys_answered, week.response_rate) == (3, 2, 66.67)
    text = render_text(digest_of(factory, "2026-W14"))
    assert "Response rate 67%: 2 of 3 surveys sent this week answered" in text


def test_call_list_shows_new_marker_owner_last_contact_and_currency(factory):
    seed(factory)
    digest = digest_of(factory, "2026-W14", currency="EUR")
    silent = next(entry for entry in digest.at_risk if entry.name == "P0")
    assert silent.owner == "U_ALICE"
    assert silent.last_contacted_at == datetime(2026, 4, 2, 15, tzinfo=UTC)
    text = render_text(digest)
    assert "owner U_ALICE · last contacted 2 Apr" in text
    assert "no owner · not contacted yet" in text
    assert "1,250.00 EUR MRR expected lost" in text
    # Six customers and a list of ten: everyone was already on it a week earlier.
    assert not any(entry.new_to_list for entry in digest.at_risk)
    assert "(none new this week)" in text and "NEW " not in text
    first, *rest = digest.at_risk
    marked = replace(digest, at_risk=(replace(first, new_to_list=True), *rest))
    marked_text = render_text(marked)
    assert "(1 new this week)" in marked_text
    assert marked_text.count("NEW ") == 1 and f"NEW {first.name}" in marked_text
    data = json.loads(render_json(digest))
    assert {row["owner"] for row in data["at_risk"]} == {"U_ALICE", None}
