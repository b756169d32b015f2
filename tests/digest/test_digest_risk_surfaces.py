"""Every surface shows a probability over a horizon and the expected MRR loss: no 0-100 score.

The CLI table and JSON are checked in test_risk_history.py; here the Slack reply and the
digest in every rendering, from hand-made values.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from digest_helpers import sample

from handlers.slack import at_risk_reply
from handlers.slack.churn_args import AtRisk
from handlers.slack.churn_queries import AtRiskResult
from handlers.slack.digest import render_blocks
from handlers.telegram.digest import render_messages
from insights.at_risk import AtRiskCustomer
from insights.digest import render_json, render_markdown, render_text
from insights.risk import RiskModel, RiskSignals, chance, percent

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
SCORE_WORDS = re.compile(r"\bscore\b|/100\b|risk \d+\b", re.IGNORECASE)


def fitted() -> RiskModel:
    return RiskModel(
        "fitted",
        30,
        -4.0,
        {"nps:<7": 1.2, "recency:silent>14d": 1.0, "hand:failed_payments": 0.8},
        version=3,
        backtest={"auc": 0.8123, "calibration": 1.0511},
    )


def listed(model: RiskModel) -> list[AtRiskCustomer]:
    rows = []
    for n, (mrr, nps, silent) in enumerate([(499, 2, 40.0), (49, 5, 20.0), (19, 9, 1.0)]):
        signals = RiskSignals(
            as_of=NOW,
            mrr=Decimal(mrr),
            latest_nps=nps,
            latest_nps_at=NOW - timedelta(days=10),
            days_since_last_activity=silent,
            usual_activity_gap_days=3,
        )
        a = model.assess(signals)
        rows.append(
            AtRiskCustomer(
                f"C{n}",
                f"Name {n}",
                "team",
                Decimal(mrr),
                a.probability,
                30,
                a.revenue_at_risk(),
                a.top_reasons(3),
                a,
                model,
            )
        )
    return rows


def test_wording_of_a_probability():
    assert percent(0.1234) == "12%"
    assert percent(0.0345) == "3.5%"
    assert percent(0.0004) == "<0.1%"
    assert percent(0.0) == "0.0%"
    assert chance(0.12, 30) == "12% in 30 days"
    assert fitted().summary() == "backtest AUC 0.81, 30-day calibration 1.05"


def test_slack_at_risk_reply_shows_probability_loss_and_backtest():
    model = fitted()
    rows = listed(model)
    reply = at_risk_reply.render(AtRiskResult(AtRisk(3), NOW, rows), ZoneInfo("UTC"))
    text = json.dumps(reply.blocks, ensure_ascii=False)
    for row in rows:
        assert f"*{percent(row.probability)}* in 30 days" in text
        assert f"expected loss *{row.revenue_at_risk:,.2f}*" in text
    total = sum((row.revenue_at_risk for row in rows), Decimal(0))
    assert f"{total:,.2f} MRR expected lost in 30 days from this list" in text
    assert "backtest AUC 0.81, 30-day calibration 1.05" in text
    assert not SCORE_WORDS.search(text + reply.text), text


def test_the_digest_in_every_rendering():
    digest = sample()
    texts = [
        render_text(digest),
        render_markdown(digest),
        json.dumps(render_blocks(digest), ensure_ascii=False),
        "\n".join(render_messages(digest)),
    ]
    for text in texts:
        assert "80% in 30 days" in text
        assert "Expected MRR loss in 30 days from these customers" in text
        assert "backtest AUC 0.81, 30-day calibration 1.05" in text
        assert not SCORE_WORDS.search(text), text
    data = json.loads(render_json(digest))
    assert {e["churn_probability"] for e in data["at_risk"]} == {0.8}
    assert all("score" not in e for e in data["at_risk"])
    assert data["revenue_at_risk"] == f"{sum(e.revenue_at_risk for e in digest.at_risk):.2f}"
    assert data["risk_model"] == "backtest AUC 0.81, 30-day calibration 1.05"
