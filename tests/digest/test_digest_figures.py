"""Digest figures against hand computation, on SQLite and PostgreSQL.

Week 2026-W47 is Monday 16 to Sunday 22 November 2026; in Europe/Copenhagen (UTC+1 in
November) it runs from 15 Nov 23:00 UTC to 22 Nov 23:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from builders import answer, customer, event
from insights import lifecycle
from insights.at_risk import at_risk
from insights.digest import IsoWeek, as_json, compose, render_markdown, render_text
from insights.risk import default_weights
from storage.models import Answer, AnswerTag, FollowUp, SurveySession

TZ = ZoneInfo("Europe/Copenhagen")
W47 = IsoWeek(2026, 47)
NOW = datetime(2026, 12, 20, 12, tzinfo=UTC)  # long after: every grace period has run out
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Copenhagen on `day` November 2026, as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ).astimezone(UTC)


def tag(session, survey_session: SurveySession, reason: str, sentiment: float) -> Answer:
    comment = next(a for a in survey_session.answers if a.question == "comment")
    comment.sentiment = sentiment
    comment.sentiment_label = "negative" if sentiment < 0 else "positive"
    session.add(
        AnswerTag(
            answer_id=comment.id,
            reason=reason,
            rule=f"test.{reason}",
            source="rules",
            created_at=comment.answered_at,
        )
    )
    session.flush()
    return comment


def exit_interview(session, who, when, reason: str, comment: str, saved: bool) -> SurveySession:
    survey_session = answer(session, who, "exit", None, when, text=comment)
    survey_session.save_opportunity = saved
    session.add(
        Answer(
            session_id=survey_session.id,
            customer_id=who.id,
            survey="exit",
            question="reason",
            choice=reason,
            answered_at=when,
            channel="telegram",
            created_at=when,
            updated_at=when,
        )
    )
    session.flush()
    return survey_session


def follow_up(session, who, created, contacted=None, resolved=None) -> None:
    session.add(
        FollowUp(
            customer_id=who.id,
            kind="detractor",
            status="resolved" if resolved else "contacted" if contacted else "open",
            created_at=created,
            updated_at=created,
            contacted_at=contacted,
            resolved_at=resolved,
        )
    )


def seed(factory) -> None:
    with factory() as session, session.begin():
        base = [
            customer(session, LONG_AGO, mrr="100", external_id=f"base{i}", name=f"Base {i}")
            for i in range(21)
        ]
        event(session, base[0], "payment_succeeded", LONG_AGO)  # paying all along: records
        # Week 46: one cancellation (21 at the start of W46, 20 at the start of W47).
        event(session, base[20], "subscription_cancelled", local(11, 10))
        # Week 47: two cancellations, one failed payment never recovered, one sign-up.
        event(session, base[0], "subscription_cancelled", local(17, 9))
        event(session, base[1], "subscription_cancelled", local(20, 15))
        event(session, base[2], "payment_failed", local(18, 3))
        customer(session, local(19, 12), mrr="50", external_id="new1")

        # NPS in W47: 10, 9, 7, 3 -> 2 promoters, 1 detractor of 4: NPS +25. All four were
        # sent in the week, plus one sent and never answered: 4 of 5 answered.
        for who, score in zip(base[3:6], (10, 9, 7), strict=True):
            answer(session, who, "nps", score, local(17, 12), sent_at=local(16, 10))
        detractor = answer(
            session, base[6], "nps", 3, local(18, 12), "Too pricey and support ignores us",
            sent_at=local(16, 10),
        )  # fmt: skip
        tag(session, detractor, "price", -0.2)
        tag(session, detractor, "support", -0.2)
        answer(session, base[7], "nps", None, local(16, 10), sent_at=local(16, 10))
        # NPS in W46: 10 and 0 -> 0.
        answer(session, base[8], "nps", 10, local(10, 12))
        answer(session, base[9], "nps", 0, local(10, 12))
        # CSAT in W47: 5, 4, 2 -> 2 of 3 satisfied.
        for who, score in zip(base[10:13], (5, 4, 2), strict=True):
            answer(session, who, "csat", score, local(19, 9))

        # Exit interviews: base0 picked "price" and wrote why (tagged price too: one
        # customer); base1 picked "other". A save offer accepted in W47 and one in W46.
        leaving = exit_interview(
            session, base[0], local(17, 10), "price", "Far too expensive for a team our size",
            saved=True,
        )  # fmt: skip
        tag(session, leaving, "price", -0.6)
        exit_interview(session, base[1], local(20, 16), "other", "Moving on", saved=False)
        exit_interview(session, base[20], local(11, 11), "bugs", "Crashes", saved=True)
        # A tagged answer outside the week does not count.
        old = answer(session, base[13], "nps", 2, local(5, 12), "Support is slow")
        tag(session, old, "support", -0.5)

        # Follow-ups: opened+contacted in W47; opened in W46, resolved in W47; all in W46.
        follow_up(session, base[6], local(18, 13), contacted=local(19, 9))
        follow_up(session, base[13], local(9, 13), resolved=local(16, 8))
        follow_up(session, base[14], local(9, 13), contacted=local(10, 9), resolved=local(11, 9))
    with factory() as session, session.begin():
        lifecycle.refresh(session, NOW, timedelta(days=14))


def compose_w47(factory, week: IsoWeek = W47, industry: str | None = "it"):
    with factory() as session:
        return compose(session, week, TZ, now=NOW, weights=default_weights(), industry=industry)


def test_week_figures_match_hand_computation(factory):
    seed(factory)
    digest = compose_w47(factory)
    week = digest.current
    assert digest.period_start == datetime(2026, 11, 15, 23, tzinfo=UTC)
    assert digest.period_end == datetime(2026, 11, 22, 23, tzinfo=UTC)
    assert (week.customers_start, week.new_customers, week.customers_end) == (20, 1, 18)
    assert (week.lost_customers, week.lost_voluntary, week.lost_involuntary) == (3, 2, 1)
    assert week.churn_rate == 15.0  # 3 / 20
    assert week.retention_rate == 85.0  # (18 - 1) / 20
    assert week.nps == 25.0 and week.nps_responses == 4
    assert week.csat == pytest.approx(66.67) and week.csat_responses == 3
    assert week.surveys_sent == 5 and week.response_rate == 80.0
    # Responses received: 4 NPS + 3 CSAT + 2 exit interviews.
    assert week.answers == 9

    previous = digest.previous
    assert previous is not None
    assert (previous.customers_start, previous.lost_customers) == (21, 1)
    assert previous.nps == 0.0
    assert digest.figure("nps").change == 25.0
    assert digest.figure("lost_customers").change == 2
    assert digest.figure("churn_rate").change == pytest.approx(15.0 - 4.76)
    trend = digest.figure("nps").trend
    assert trend == (None, None, None, None, None, -100.0, 0.0, 25.0)  # W45: the NPS 2


def test_reasons_follow_ups_saves_and_at_risk(factory):
    seed(factory)
    digest = compose_w47(factory)
    # Leavers: base0 picked "price" and wrote why (tagged price: one customer, once);
    # base1 picked "other"; base2 left after a failed payment, without a word.
    assert [(r.key, r.customers) for r in digest.leaving_reasons] == [("price", 1)]
    assert digest.leaving_reasons[0].label == "Price"
    assert digest.leaving_reasons[0].quote == "Far too expensive for a team our size"
    assert digest.leavers_without_reason == 2
    # Active customers: base6's NPS comment, tagged price and support.
    feedback = [(r.key, r.customers, r.quote) for r in digest.feedback_reasons]
    assert feedback == [
        ("price", 1, "Too pricey and support ignores us"),
        ("support", 1, "Too pricey and support ignores us"),
    ]
    assert (digest.follow_ups.opened, digest.follow_ups.contacted) == (1, 1)
    assert digest.follow_ups.resolved == 1
    assert digest.saves_accepted == 1

    with factory() as session:
        expected = at_risk(session, digest.period_end, default_weights(), limit=10)
    assert [e.external_id for e in digest.at_risk] == [r.external_id for r in expected]
    assert len(digest.at_risk) == 10
    assert digest.at_risk_as_of == digest.period_end
    amounts = [e.revenue_at_risk for e in digest.at_risk]
    assert amounts == sorted(amounts, reverse=True)
    assert digest.revenue_at_risk == sum(amounts, Decimal("0"))
    # The digest's revenue at risk is the expected MRR loss: Σ MRR × probability.
    cent = Decimal("0.01")
    for e in digest.at_risk:
        assert 0 < e.probability < 1 and e.horizon_days == 30
        assert e.revenue_at_risk == (e.mrr * Decimal(repr(e.probability))).quantize(
            cent, ROUND_HALF_UP
        )
    assert digest.risk_model_note == "hand-set weights, not calibrated to this company's churn yet"


def test_benchmark_compares_annualised_retention(factory):
    seed(factory)
    digest = compose_w47(factory)
    bench = digest.benchmark
    assert bench is not None and bench.label == "IT services" and bench.annual_rate == 81.0
    # Eight weeks: six at 100%, then 95.24% (20/21) and 85%, compounded and scaled to a year.
    assert bench.weeks_used == 8
    expected = 100 * (0.9524 * 0.85) ** (365.2425 / 7 / 8)
    assert bench.annualised_rate == pytest.approx(expected, abs=0.2)
    assert compose_w47(factory, industry=None).benchmark is None


def test_json_has_the_documented_keys(factory):
    seed(factory)
    data = as_json(compose_w47(factory))
    for key in ("week", "nps", "csat", "churn_rate", "retention_rate", "lost_customers",
                "lost_voluntary", "lost_involuntary", "leaving_reasons", "feedback_reasons",
                "nps_margin", "csat_margin", "at_risk"):  # fmt: skip
        assert key in data, key
    assert data["week"] == "2026-W47"
    assert data["nps"] == 25.0 and data["lost_voluntary"] == 2
    assert data["change"]["nps"] == 25.0
    assert data["trend"]["weeks"][-1] == "2026-W47"
    assert data["leaving_reasons"] == [
        {
            "reason": "price",
            "label": "Price",
            "customers": 1,
            "quote": "Far too expensive for a team our size",
            "quote_language": None,
        }
    ]
    assert data["leavers_without_reason"] == 2
    assert [r["reason"] for r in data["feedback_reasons"]] == ["price", "support"]
    assert "top_reasons" not in data
    assert set(data["at_risk"][0]) >= {
        "external_id",
        "churn_probability",
        "horizon_days",
        "mrr",
        "revenue_at_risk",
        "reasons",
    }
    assert "score" not in data["at_risk"][0]


def test_an_empty_week_says_so_instead_of_zeros(factory):
    seed(factory)
    digest = compose_w47(factory, week=IsoWeek(2024, 10))  # before the first customer
    assert not digest.has_data
    data = as_json(digest)
    for key in ("nps", "csat", "churn_rate", "retention_rate", "lost_customers", "answers"):
        assert data[key] is None, key
    text = render_text(digest)
    assert "No data for this week." in text
    assert "0 customers lost" not in text and "NPS 0" not in text
    assert "Why customers left" not in text
    markdown = render_markdown(digest)
    assert "**No data for this week.**" in markdown


def test_a_week_without_answers_says_no_answers(factory):
    with factory() as session, session.begin():
        customer(session, LONG_AGO, external_id="quiet")
    digest = compose_w47(factory)
    assert digest.has_data and digest.current.nps is None
    text = render_text(digest)
    assert "NPS: no NPS answers this week" in text
    assert "CSAT: no CSAT answers this week" in text
    assert "Churn 0.0% · no customers lost" in text


def test_week_boundary_is_local_midnight(factory):
    """Sunday 23:30 in Copenhagen is still W47; Monday 00:10 is W48 (though both are
    Sunday in UTC)."""
    with factory() as session, session.begin():
        who = customer(session, LONG_AGO, external_id="late")
        answer(session, who, "nps", 10, local(22, 23, 30))
        answer(session, who, "nps", 0, local(23, 0, 10))
    assert local(23, 0, 10) < datetime(2026, 11, 23, tzinfo=UTC)  # still Sunday in UTC
    w47 = compose_w47(factory)
    w48 = compose_w47(factory, week=IsoWeek(2026, 48))
    assert (w47.current.nps_responses, w47.current.nps) == (1, 100.0)
    assert (w48.current.nps_responses, w48.current.nps) == (1, -100.0)
