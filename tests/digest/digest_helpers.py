"""Helpers shared by the digest tests: settings pointing at the fake APIs, a sample digest."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fake_bot_api import TOKEN as TELEGRAM_TOKEN
from fake_bot_api import FakeBotApi
from slack_fake_api import TOKEN as SLACK_TOKEN
from slack_fake_api import FakeSlackApi

from config import Settings, load_settings
from insights.digest import Digest, FollowUps, IsoWeek, ReasonCount, RiskEntry, WeekFigures

CHANNEL = "C0DIGEST01"
MANAGER_CHATS = (-1001234567890, 4242)


def digest_environment(
    database_url: str, slack: FakeSlackApi | None, telegram: FakeBotApi | None
) -> dict[str, str]:
    """Environment variables for a bot posting the digest to the fake APIs, quickly."""
    env = {
        "DATABASE_URL": database_url,
        "TIMEZONE": "Europe/Copenhagen",
        "DIGEST_RETRY_SECONDS": "0.01",
        "DIGEST_POST_ATTEMPTS": "3",
        "DIGEST_POST_TIMEOUT_SECONDS": "2",
    }
    if slack is not None:
        env |= {
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_API_URL": slack.base_url,
            "SLACK_DIGEST_CHANNEL": CHANNEL,
        }
    if telegram is not None:
        env |= {
            "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "TELEGRAM_MANAGER_CHAT_IDS": ",".join(str(c) for c in MANAGER_CHATS),
        }
    return env


def digest_settings(
    database_url: str,
    slack: FakeSlackApi | None = None,
    telegram: FakeBotApi | None = None,
    **overrides: Any,
) -> Settings:
    env = digest_environment(database_url, slack, telegram)
    values: dict[str, Any] = {key.lower(): value for key, value in env.items()}
    values.update(overrides)
    return load_settings(**values)


WEEK = IsoWeek(2026, 47)


def figures(week: IsoWeek, nps: float | None = 20.0, lost: int = 8) -> WeekFigures:
    return WeekFigures(
        week=week, customers_start=2000, customers_end=1998, new_customers=6,
        lost_customers=lost, lost_voluntary=lost - 2, lost_involuntary=2,
        churn_rate=round(lost / 20, 2), voluntary_churn_rate=round((lost - 2) / 20, 2),
        involuntary_churn_rate=0.1, retention_rate=round(100 - lost / 20, 2), nps=nps,
        nps_responses=50, promoters=20, detractors=10, csat=80.0, csat_responses=40,
        answers=95, surveys_sent=200, response_rate=47.5,
    )  # fmt: skip


def sample(
    at_risk: int = 3, name: str = "Ava Wilson", reason_text: str = "NPS 3 on 2 Nov"
) -> Digest:
    """A digest made by hand: 8 weeks (NPS 10..17, one without), reasons of 6 of 8 leavers
    and of active customers, a list."""
    weeks = tuple(figures(WEEK.shift(i - 7), nps=None if i == 2 else 10.0 + i) for i in range(8))
    return Digest(
        week=WEEK,
        timezone="Europe/Copenhagen",
        period_start=WEEK.start(UTC),
        period_end=WEEK.end(UTC),
        generated_at=datetime(2026, 11, 23, 8, tzinfo=UTC),
        weeks=weeks,
        leaving_reasons=(
            ReasonCount("price", "Price", 5, "Too expensive for what we use", None),
            ReasonCount("support", "Support", 2, "客服三天都不回复", "zh"),
        ),
        leavers_without_reason=2,
        feedback_reasons=(ReasonCount("bugs", "Bugs", 9, "The export crashes every time", "en"),),
        at_risk=tuple(
            RiskEntry(
                f"C{i:04d}",
                f"{name} {i}",
                "team",
                0.8,
                30,
                Decimal("49.00"),
                Decimal("39.20"),
                (reason_text, "no activity for 41 days, usually every 3"),
            )
            for i in range(at_risk)
        ),
        at_risk_as_of=WEEK.end(UTC),
        risk_horizon_days=30,
        risk_model_note="backtest AUC 0.81, 30-day calibration 1.05",
        follow_ups=FollowUps(5, 3, 2),
        saves_accepted=2,
    )
