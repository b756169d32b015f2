"""Risk learnt from the history: no leakage, calibration on a known hazard, monotone fits,
a worse refit not adopted, and the stored model, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from click.testing import CliRunner
from known_hazard import HAPPY, UNHAPPY, generate
from sqlalchemy import select

from bot.cli import main
from builders import answer, customer, event
from insights import lifecycle
from insights.at_risk import at_risk, signals_as_of
from insights.risk import (
    FEATURES,
    RiskModel,
    RiskSignals,
    default_weights,
    feature_values,
    hand_set_model,
)
from insights.risk.features import FEATURE_INDEX
from insights.risk_history import HistoryConfig, build_snapshots, refit
from insights.risk_store import current_model
from storage.models import AnswerTag, RiskModelRow, SurveySession

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
CONFIG = HistoryConfig(history_days=360, min_churners=50, backtest_cutoffs=4)


def test_a_signal_as_of_a_date_ignores_everything_after_it(factory):
    """Plant one event of every kind after the snapshot date: the signals do not move."""
    t = NOW - timedelta(days=60)
    w = default_weights()
    with factory() as session, session.begin():
        who = customer(session, NOW - timedelta(days=400), mrr="80", external_id="w")
        other = customer(session, NOW - timedelta(days=400), mrr="80", external_id="o")
        for days in range(120, 70, -3):
            event(session, who, "activity", NOW - timedelta(days=days))
            event(session, other, "activity", NOW - timedelta(days=days - 1))
        answer(session, who, "nps", 6, t - timedelta(days=20))
        event(session, who, "payment_failed", t - timedelta(days=3))
        unanswered = SurveySession(
            customer_id=who.id, survey="csat", status="sent", channel="telegram",
            created_at=t - timedelta(days=20), updated_at=t - timedelta(days=20),
            sent_at=t - timedelta(days=20),
        )  # fmt: skip
        session.add(unanswered)
    with factory() as session, session.begin():
        lifecycle.refresh(session, t, timedelta(days=14))

    def snapshot():
        with factory() as session:
            return {cid: s for cid, _, s in signals_as_of(session, t, w, [who.id, other.id])}

    before = snapshot()
    assert before[who.id].unrecovered_payment_failure
    assert before[who.id].unanswered_surveys == 1
    with factory() as session, session.begin():
        later = t + timedelta(hours=1)
        for days in (1, 5, 9):
            event(session, who, "activity", t + timedelta(days=days))
        event(session, who, "payment_succeeded", later)
        event(session, who, "payment_failed", t + timedelta(days=2))
        event(session, who, "support_ticket_closed", later)
        for _ in range(8):
            event(session, other, "activity", t + timedelta(days=2))
        late = answer(session, who, "nps", 0, later, text="moving to a competitor")
        answer(session, who, "csat", 1, later)
        answer(session, who, "exit", None, later, text="cancelling")
        tagged = session.scalars(select(SurveySession).where(SurveySession.id == late.id)).one()
        for a in tagged.answers:
            session.add(AnswerTag(answer_id=a.id, reason="competitor", created_at=later))
        # The survey sent before `t` is answered after it: still unanswered as of `t`.
        session.flush()
        answer(session, who, "csat", 2, later)
        from storage.models import Answer

        session.add(
            Answer(
                session_id=unanswered.id, customer_id=who.id, survey="csat", question="score",
                score=3, answered_at=later, channel="telegram", created_at=later,
                updated_at=later,
            )
        )  # fmt: skip
    with factory() as session, session.begin():
        lifecycle.refresh(session, NOW, timedelta(days=14))
    after = snapshot()
    assert after == before


@pytest.fixture
def company(factory):
    with factory() as session, session.begin():
        generate(session, NOW)
    return factory


def test_calibrated_on_a_company_with_a_known_hazard(company):
    w = default_weights()
    with company() as session, session.begin():
        result = refit(session, w, NOW, CONFIG)
    model, bt = result.model, result.backtest.figures
    assert result.adopted and model.kind == "fitted"
    assert model.trained["churners"] >= 50
    # Expected churners within the horizon, pooled over the backtest's cut-offs, against the
    # true hazard of the same rows (no outcome noise), and against what happened.
    snaps = result.snapshots
    nps = snaps.x[:, FEATURE_INDEX["nps:<7"]].toarray().ravel() > 0
    true_p = np.where(nps, UNHAPPY, HAPPY)
    tested = np.isin(snaps.date_index, [snaps.dates.index(c) for c in result.backtest.cutoffs])
    assert 0.8 <= bt["expected_churners"] / true_p[tested].sum() <= 1.25, bt
    assert 0.7 <= bt["calibration"] <= 1.4, bt
    assert bt["auc"] > 0.7
    # The fitted probabilities land near the true 30-day hazards.
    base = RiskSignals(as_of=NOW, mrr=50, tenure_days=400, days_since_last_activity=1,
                       usual_activity_gap_days=3, activity_percentile=50)  # fmt: skip
    fields = {k: getattr(base, k) for k in base.__dataclass_fields__}
    unhappy = RiskSignals(**{**fields, "latest_nps": 2, "latest_nps_at": NOW - timedelta(days=20)})
    happy = RiskSignals(**{**fields, "latest_nps": 9, "latest_nps_at": NOW - timedelta(days=20)})
    assert model.assess(unhappy, w).probability == pytest.approx(UNHAPPY, rel=0.35)
    assert model.assess(happy, w).probability == pytest.approx(HAPPY, rel=0.6)
    # The hand-set score, read as a probability, is far off on the same rows.
    assert result.backtest.compared["hand-set"]["calibration"] > 1.5


def test_a_refit_that_backtests_worse_is_not_adopted(company):
    w = default_weights()
    with company() as session, session.begin():
        good = refit(session, w, NOW, CONFIG)
    assert good.adopted
    with company() as session, session.begin():  # the same fit again: no reason to refuse it
        again = refit(session, w, NOW, CONFIG)
    assert again.adopted, again.note

    def careless(snaps, weights, config):  # a "fit" that says 50% for everyone
        return RiskModel("fitted", config.horizon_days, 0.0, {})

    with company() as session, session.begin():
        bad = refit(session, w, NOW + timedelta(days=7), CONFIG, fitter=careless)
    assert not bad.adopted
    assert "Brier" in bad.note
    with company() as session:
        in_use = current_model(session, w)
        rows = session.scalars(select(RiskModelRow).order_by(RiskModelRow.version)).all()
    assert in_use.version == again.model.version == 2
    assert [(r.version, r.status) for r in rows] == [
        (1, "adopted"),
        (2, "adopted"),
        (3, "rejected"),
    ]
    assert "not adopted" in (rows[2].note or "")
    stored = json.loads(rows[0].model)  # plain JSON: version, window, weights, backtest
    assert stored["kind"] == "fitted" and stored["horizon_days"] == 30
    assert stored["trained"]["window_start"] and stored["backtest"]["auc"] > 0.7


def test_few_churners_keep_the_shipped_weights_recalibrated(company):
    w = default_weights()
    config = HistoryConfig(history_days=360, min_churners=10_000)
    with company() as session, session.begin():
        result = refit(session, w, NOW, config)
    model = result.model
    assert model.kind == "recalibrated"
    assert set(model.coefficients) <= {name for name, _ in FEATURES if name.startswith("hand:")}
    assert len(set(model.coefficients.values())) == 1  # one shared slope on the hand-set points
    # Coarser than a fit (one slope for every signal), but on the company's scale: the
    # hand-set points alone predict several times the churn on the same rows.
    assert 0.6 <= result.backtest.figures["calibration"] <= 1.6
    assert result.backtest.compared["hand-set"]["calibration"] > 2.5


def test_snapshots_hold_only_customers_active_that_day(company):
    with company() as session:
        snaps = build_snapshots(session, default_weights(), NOW, CONFIG)
    assert len(snaps.dates) >= 15
    gaps = {b - a for a, b in zip(snaps.dates, snaps.dates[1:], strict=False)}
    assert gaps == {timedelta(days=14)}
    assert snaps.dates[-1] <= NOW - timedelta(days=44)  # outcome known: horizon + grace
    for k in range(len(snaps.dates)):
        ids = snaps.customer_id[snaps.date_index == k]
        assert len(ids) == len(set(ids.tolist()))
    assert 0.03 < snaps.y.mean() < 0.15


# -- monotone: a worse signal never lowers the probability ------------------------------

# `usual_activity_gap_days` has no "worse" direction: a longer usual gap makes the same
# silence more normal (recency falls) and marks rarer use (usage rises), by design.
WORSE = {
    "latest_nps": lambda s: None if s.latest_nps is None else max(0, s.latest_nps - 2),
    "latest_csat": lambda s: None if s.latest_csat is None else max(1, s.latest_csat - 1),
    "tenure_days": lambda s: s.tenure_days / 2,
    "days_since_last_activity": lambda s: s.days_since_last_activity * 1.7 + 3,
    "activity_percentile": lambda s: s.activity_percentile * 0.6,
    "negative_feedback_count": lambda s: s.negative_feedback_count + 1,
    "complaints_recent": lambda s: s.complaints_recent + 1,
    "failed_payments_recent": lambda s: s.failed_payments_recent + 1,
    "support_tickets_recent": lambda s: s.support_tickets_recent + 2,
    "unanswered_surveys": lambda s: s.unanswered_surveys + 1,
    "mrr": lambda s: s.mrr / 3,
    "exit_intent": lambda s: True,
    "unrecovered_payment_failure": lambda s: True,
}


def _random_signals(rng: random.Random) -> RiskSignals:
    return RiskSignals(
        as_of=NOW,
        mrr=rng.choice([9, 19, 49, 149, 499, 2000]),
        tenure_days=rng.uniform(1, 2000),
        latest_nps=rng.choice([None, *range(11)]),
        latest_nps_at=NOW - timedelta(days=rng.uniform(0, 400)),
        latest_csat=rng.choice([None, 1, 2, 3, 4, 5]),
        negative_feedback_count=rng.randint(0, 4),
        complaints_recent=rng.randint(0, 3),
        days_since_last_activity=rng.uniform(0, 200),
        usual_activity_gap_days=rng.uniform(0.2, 40),
        activity_percentile=rng.uniform(0, 100),
        failed_payments_recent=rng.randint(0, 3),
        support_tickets_recent=rng.randint(0, 9),
        unanswered_surveys=rng.randint(0, 4),
    )


def test_every_feature_is_monotone_so_any_non_negative_fit_is():
    rng = random.Random(5)
    w = default_weights()
    for _ in range(600):
        s = _random_signals(rng)
        base = np.zeros(len(FEATURES))
        for i, v in feature_values(s, w):
            base[i] += v
        assert (base >= 0).all()
        for name, worsen in WORSE.items():
            fields = {k: getattr(s, k) for k in s.__dataclass_fields__}
            fields[name] = worsen(s)
            worse = np.zeros(len(FEATURES))
            for i, v in feature_values(RiskSignals(**fields), w):
                worse[i] += v
            assert (worse >= base - 1e-12).all(), (name, s)


def test_a_model_refuses_negative_coefficients():
    with pytest.raises(ValueError, match=">= 0"):
        RiskModel("fitted", 30, -3.0, {"nps:<7": -0.5})
    with pytest.raises(ValueError, match="unknown feature"):
        RiskModel("fitted", 30, -3.0, {"nps:sideways": 0.5})


def test_the_fitted_model_is_monotone_on_random_customers(company):
    w = default_weights()
    with company() as session, session.begin():
        model = refit(session, w, NOW, CONFIG).model
    rng = random.Random(9)
    for _ in range(300):
        s = _random_signals(rng)
        p = model.assess(s, w).probability
        for name, worsen in WORSE.items():
            fields = {k: getattr(s, k) for k in s.__dataclass_fields__}
            fields[name] = worsen(s)
            assert model.assess(RiskSignals(**fields), w).probability >= p - 1e-12, name


# -- what users see ------------------------------------------------------------------------


def test_json_contract_after_a_fit(company, database_url):
    w = default_weights()
    with company() as session, session.begin():
        model = refit(session, w, NOW, CONFIG).model
    env = {"DATABASE_URL": database_url}
    result = CliRunner().invoke(main, ["at-risk", "--limit", "0", "--format", "json"], env=env)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    with company() as session:
        active = len(at_risk(session, datetime.now(UTC), w, limit=None))
    assert len(data) == active > 100  # --limit 0: every active customer
    for row in data:
        p = row["churn_probability"]
        assert 0 <= p <= 1 and row["horizon_days"] == model.horizon_days == 30
        assert row["calibrated"] is True
        expected = (Decimal(row["mrr"]) * Decimal(repr(p))).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert abs(Decimal(row["revenue_at_risk"]) - expected) <= Decimal("0.01")
        shares = row["baseline_probability"] + sum(c["probability"] for c in row["contributions"])
        assert shares == pytest.approx(p, abs=1e-5)
        # Shown reasons: the strongest contributions worth acting on, in their order
        # (tenure and account size alone, and stale scores, stay in contributions only).
        contributed = [c["reason"] for c in row["contributions"]]
        assert len(row["reasons"]) <= 3
        assert row["reasons"] == [r for r in contributed if r in row["reasons"]]
        assert not any(r.startswith(("customer for", "small account")) for r in row["reasons"])
        assert "score" not in row
    assert data == sorted(data, key=lambda r: -float(r["revenue_at_risk"]))
    same = CliRunner().invoke(main, ["at-risk", "--all", "--format", "json"], env=env)
    assert len(json.loads(same.stdout)) == len(data)


def test_table_shows_percent_in_days_and_the_backtest(company, database_url):
    with company() as session, session.begin():
        refit(session, default_weights(), NOW, CONFIG)
    result = CliRunner().invoke(
        main, ["at-risk", "--limit", "5"], env={"DATABASE_URL": database_url, "COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "probability of churning within 30 days" in out and "in 30d" in out and "%" in out
    assert "Expected MRR loss in 30 days from these 5 customers" in out
    assert "backtest AUC 0." in out and "30-day calibration" in out
    assert "score" not in out.lower() and "/100" not in out


def test_backtest_command_prints_the_calibration_table(company, database_url):
    result = CliRunner().invoke(
        main, ["risk", "backtest", "--no-reference"], env={"DATABASE_URL": database_url}
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Calibration by decile of predicted probability:" in out
    assert out.count("\n| ") >= 10
    assert "Expected churners" in out and "AUC" in out and "Brier" in out
    assert "backtest AUC" in out


def test_without_a_fit_the_hand_set_weights_say_they_are_not_calibrated(factory):
    with factory() as session:
        model = current_model(session, default_weights())
    assert model.kind == "hand-set" and not model.calibrated
    assert "not calibrated" in model.summary()
    assert model == hand_set_model(default_weights())


def test_the_last_activity_before_a_past_date_is_found_beyond_the_window(factory):
    """Silent for 250 days before the date, back after it: the signal says 250 days."""
    t = NOW - timedelta(days=60)
    with factory() as session, session.begin():
        back = customer(session, NOW - timedelta(days=900), mrr="80", external_id="back")
        event(session, back, "activity", t - timedelta(days=250))
        event(session, back, "activity", t + timedelta(days=5))
    with factory() as session, session.begin():
        lifecycle.refresh(session, NOW, timedelta(days=14))
    with factory() as session:
        ((_, _, signals),) = list(signals_as_of(session, t, default_weights(), [back.id]))
    assert signals.days_since_last_activity == pytest.approx(250)


def test_the_hand_only_fast_path_gives_the_general_result():
    rng = random.Random(3)
    w = default_weights()
    model = RiskModel(
        "recalibrated", 30, -2.5, {name: 0.4 for name, _ in FEATURES if name.startswith("hand:")}
    )
    general = RiskModel("fitted", 30, -2.5, {**model.coefficients, "nps:<7": 1e-12})
    assert model._hand_only is not None and general._hand_only is None
    for _ in range(300):
        s = _random_signals(rng)
        a, b = model.assess(s, w), general.assess(s, w)
        assert a.probability == pytest.approx(b.probability, abs=1e-9)
        assert a.log_odds == pytest.approx(b.log_odds)
    assert hand_set_model(w).assess(_random_signals(rng), w).probability > 0


def test_the_hand_set_model_is_the_hand_set_score():
    from insights.risk import score

    rng = random.Random(11)
    w = default_weights()
    model = hand_set_model(w)
    for _ in range(200):
        s = _random_signals(rng)
        assert model.assess(s, w).probability == pytest.approx(score(s, w).probability)
