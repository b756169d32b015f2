"""Why leavers left vs what active customers complain about, on SQLite and PostgreSQL.

A generated week (2026-W47 in Copenhagen) in which the twelve leavers' reasons (price,
bugs, support) differ from the active customers' complaints (support, bugs, no price):
each section must count its own customers, each once per reason.
"""

from __future__ import annotations

from datetime import timedelta

from test_digest_figures import LONG_AGO, NOW, TZ, W47, exit_interview, local, tag

from builders import answer, customer, event
from insights import lifecycle
from insights.digest import as_json, compose, render_text
from insights.risk import default_weights


def _comment(session, who, when, reasons, text="We are not happy with this", **fields):
    """An NPS 3 with a comment tagged with `reasons` (the first tag sets the sentiment)."""
    survey_session = answer(session, who, "nps", 3, when, text)
    for reason in reasons:
        comment = tag(session, survey_session, reason, fields.get("sentiment", -0.3))
    comment.language = fields.get("language", "en")
    return survey_session


def seed_week(factory) -> None:
    with factory() as session, session.begin():
        people = {
            name: customer(session, LONG_AGO, external_id=name)
            for name in [f"L{i}" for i in range(12)] + [f"A{i}" for i in range(20)] + ["gone"]
        }
        leavers = [people[f"L{i}"] for i in range(12)]
        for i, who in enumerate(leavers):
            event(session, who, "subscription_cancelled", local(16 + i % 6, 9 + i))
        # L0-L4 picked price in the exit interview; L0 and L1 also wrote it (once each).
        for i in range(5):
            leaving = exit_interview(
                session, leavers[i], local(16 + i % 6, 10 + i), "price",
                "Far too expensive for a small team", saved=False,
            )  # fmt: skip
            if i < 2:
                tag(session, leaving, "price", -0.6)
        # L5 and L6 picked "other" and wrote about bugs: L5 in Danish (the more negative),
        # L6 in English. The leavers' quote keeps the customer's language.
        danish = exit_interview(
            session, leavers[5], local(21, 15), "other", "Programmet går ned hver eneste dag",
            saved=False,
        )  # fmt: skip
        tag(session, danish, "bugs", -0.8).language = "da"
        english = exit_interview(
            session, leavers[6], local(22, 16), "other", "The app crashes now and then",
            saved=False,
        )  # fmt: skip
        tag(session, english, "bugs", -0.1).language = "en"
        # L7: no interview; the last feedback before leaving (5 days before) was about
        # support; an older complaint about price (20 days before) is not the last one.
        left_l7 = local(17, 16)
        _comment(session, leavers[7], left_l7 - timedelta(days=20), ["price"])
        _comment(session, leavers[7], left_l7 - timedelta(days=5), ["support"])
        # L8's only complaint is 45 days old: outside the 30-day lookback, no reason.
        _comment(session, leavers[8], local(18, 17) - timedelta(days=45), ["onboarding"])
        # L9 complained about support in the week, then picked support when leaving:
        # support once, and only as a leaving reason.
        _comment(session, leavers[9], local(18, 12), ["support"])
        exit_interview(session, leavers[9], local(19, 19), "support", "Nobody answers", False)
        # L10 and L11 left without a word.

        active = [people[f"A{i}"] for i in range(20)]
        for who in active[:8]:
            _comment(session, who, local(17, 12), ["support"])
        for who in active[8:11]:
            _comment(session, who, local(18, 12), ["bugs"])
        _comment(session, active[11], local(19, 12), ["support", "bugs"])
        _comment(session, active[11], local(20, 12), ["support"])  # still one customer
        # Left in W45 and still gone: neither a leaver this week nor an active customer.
        event(session, people["gone"], "subscription_cancelled", local(3, 9))
        _comment(session, people["gone"], local(18, 12), ["price"])
    with factory() as session, session.begin():
        lifecycle.refresh(session, NOW, timedelta(days=14))


def compose_week(factory, min_sample: int = 30):
    with factory() as session:
        return compose(session, W47, TZ, now=NOW, weights=default_weights(), min_sample=min_sample)


def test_leavers_and_active_customers_are_counted_apart(factory):
    seed_week(factory)
    digest = compose_week(factory)
    assert digest.current.lost_customers == 12
    leaving = {r.key: r.customers for r in digest.leaving_reasons}
    assert leaving == {"price": 5, "bugs": 2, "support": 2}
    assert [r.key for r in digest.leaving_reasons] == ["price", "bugs", "support"]
    assert all(r.customers <= digest.current.lost_customers for r in digest.leaving_reasons)
    assert digest.leavers_without_reason == 3  # L8, L10, L11
    feedback = {r.key: r.customers for r in digest.feedback_reasons}
    assert feedback == {"support": 9, "bugs": 4}  # no price: "gone" is not active

    bugs = next(r for r in digest.leaving_reasons if r.key == "bugs")
    assert (bugs.quote, bugs.quote_language) == ("Programmet går ned hver eneste dag", "da")
    price = digest.leaving_reasons[0]
    assert price.quote == "Far too expensive for a small team"


def test_both_sections_in_text_and_json(factory):
    seed_week(factory)
    digest = compose_week(factory)
    text = render_text(digest)
    left = text.index("Why customers left")
    complaints = text.index("What active customers complain about")
    assert left < complaints
    assert "1. Price · 5 leavers" in text[left:complaints]
    assert "“Programmet går ned hver eneste dag” (da)" in text[left:complaints]
    assert "3 of 12 leavers gave no reason." in text[left:complaints]
    assert "1. Support · 9 customers" in text[complaints:]
    assert "Price" not in text[complaints : text.index("Call first")]

    data = as_json(digest)
    assert [(r["reason"], r["customers"]) for r in data["leaving_reasons"]] == [
        ("price", 5),
        ("bugs", 2),
        ("support", 2),
    ]
    assert data["leavers_without_reason"] == 3
    assert [(r["reason"], r["customers"]) for r in data["feedback_reasons"]] == [
        ("support", 9),
        ("bugs", 4),
    ]
    assert data["leaving_reasons"][1]["quote_language"] == "da"


def test_a_small_sample_week_is_flagged_in_text_and_json(factory):
    seed_week(factory)
    digest = compose_week(factory)
    # NPS answers in W47: 8 + 3 + 2 (A11) + L9's + gone's = 15, all detractors: NPS -100.
    current = digest.current
    assert current.nps_responses == 15 and current.nps == -100.0
    assert current.nps_margin == 0.0  # everyone agrees: no spread, hence the warning
    text = render_text(digest)
    assert "NPS −100 ± 0 (n = 15)" in text
    assert "small sample (n = 15 < 30): read with care" in text
    # The other NPS weeks are L7's and L8's single older answers.
    assert (
        "Small samples (fewer than 30 answers: read with care; NPS weeks greyed in the chart): "
        in text
    )
    assert "NPS in W40, W44, W46, W47." in text
    data = as_json(digest)
    assert data["small_sample"] == {"nps": True, "csat": False}  # no CSAT: no data
    assert data["trend"]["small_sample"]["nps"][-1] is True
    assert data["nps_margin"] == 0.0 and data["csat_margin"] is None
    assert data["min_sample"] == 30

    relaxed = compose_week(factory, min_sample=15)
    assert "small sample" not in render_text(relaxed)
    assert as_json(relaxed)["small_sample"]["nps"] is False
