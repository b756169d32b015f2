"""Who may get a survey now: the rules as a table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from surveys.definitions import builtin_surveys
from surveys.policy import CustomerFacts, SendRefusal, SurveyPolicy, explain, refusal

NOW = datetime(2026, 4, 1, tzinfo=UTC)
POLICY = SurveyPolicy(cooldown=timedelta(days=14))


def facts(**changes: object) -> CustomerFacts:
    base: dict[str, object] = {
        "linked": True,
        "opted_out": False,
        "unreachable": False,
        "last_surveyed_at": None,
        "open_survey": None,
    }
    base.update(changes)
    return CustomerFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("survey", "given", "expected"),
    [
        ("nps", facts(), None),
        ("nps", facts(linked=False), SendRefusal.NOT_LINKED),
        ("nps", facts(opted_out=True), SendRefusal.OPTED_OUT),
        ("exit", facts(opted_out=True), SendRefusal.OPTED_OUT),  # opting out beats everything
        ("nps", facts(unreachable=True), SendRefusal.UNREACHABLE),
        ("nps", facts(open_survey="csat"), SendRefusal.OPEN_SURVEY),
        ("nps", facts(last_surveyed_at=NOW - timedelta(days=13)), SendRefusal.COOLDOWN),
        ("nps", facts(last_surveyed_at=NOW - timedelta(days=14)), None),
        ("csat", facts(last_surveyed_at=NOW - timedelta(days=1)), SendRefusal.COOLDOWN),
        ("exit", facts(last_surveyed_at=NOW - timedelta(days=1)), None),  # ignores cooldown
        ("exit", facts(open_survey="nps"), None),  # replaces the open survey
        ("exit", facts(open_survey="exit"), SendRefusal.OPEN_SURVEY),
    ],
)
def test_refusals(survey: str, given: CustomerFacts, expected: SendRefusal | None) -> None:
    assert refusal(builtin_surveys()[survey], given, NOW, POLICY) == expected


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        (SendRefusal.NOT_LINKED, "retention-bot link c9"),
        (SendRefusal.OPTED_OUT, "opted out"),
        (SendRefusal.UNREACHABLE, "blocked the bot"),
        (SendRefusal.OPEN_SURVEY, "open csat survey"),
        (SendRefusal.COOLDOWN, "on 2026-03-25, within the 14-day cooldown"),
    ],
)
def test_explanations_name_the_customer_and_the_way_out(reason: SendRefusal, words: str) -> None:
    given = facts(open_survey="csat", last_surveyed_at=datetime(2026, 3, 25, tzinfo=UTC))
    text = explain(reason, "c9", given, POLICY)
    assert "customer c9" in text and words in text
