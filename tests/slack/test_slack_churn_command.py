"""`/churn` end to end: signed slash commands POSTed to the real /slack/events endpoint
(uvicorn on 127.0.0.1), answers read from the response_url, figures checked against the
core (`insights.metrics`, `insights.at_risk`, the digest's reason counts)."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from slack_fake_api import FakeSlackApi
from slack_messages import ask, text_of
from slack_people import ALERTS, ALLOWED, DIGEST, ELSEWHERE
from slack_requests import block_action_body, post
from slack_seed import NOW, TIMEZONE, seed
from sqlalchemy.orm import Session, sessionmaker

from bot.slack_app import SlackBot
from insights import margins, metrics
from insights.at_risk import at_risk
from insights.digest import numbers
from insights.digest.reasons import top_reasons
from insights.periods import days_between, last_days
from insights.risk import percent

TZ = ZoneInfo(TIMEZONE)


@pytest.fixture
def seeded(factory: sessionmaker[Session]) -> dict[str, int]:
    return seed(factory)


async def test_summary_figures_match_the_metrics_module(
    seeded: dict[str, int],
    events_url: str,
    slack_api: FakeSlackApi,
    factory: sessionmaker[Session],
) -> None:
    answer, took = await ask(events_url, slack_api, "summary 30d")
    assert took < 3
    assert answer["response_type"] == "ephemeral"
    period = last_days(30, TZ, NOW)
    with factory() as session:  # after the command brought churn up to date
        now = metrics.compute(session, period)
        before = metrics.compute(session, period.previous())
        reasons = top_reasons(session, period, limit=10)
        reasons_before = {r.key: r.customers for r in top_reasons(session, period.previous())}
    text = text_of(answer)
    assert "Retention summary: 14 Feb – 15 Mar 2026 (so far, today included)" in text
    assert now.nps is not None and before.nps is not None
    assert (now.nps_responses, before.nps_responses) == (6, 2)
    # Each score with its ± 95% margin and n; 6 NPS answers against 2 cannot show a clear
    # change, so the reply says so instead of an arrow (as the digest does).
    nps_m = margins.nps_margin(now.promoters, now.detractors, now.nps_responses)
    assert nps_m is not None
    nps_before_m = margins.nps_margin(before.promoters, before.detractors, before.nps_responses)
    assert not margins.is_clear_change(round(now.nps) - round(before.nps), nps_m, nps_before_m)
    assert f"*NPS*\n{numbers.nps(now.nps)} ± {nps_m:.0f} (no clear change)" in text
    assert (
        f"n = {now.nps_responses}: {now.promoters} promoters · {now.passives} passives · "
        f"{now.detractors} detractors" in text
    )
    assert now.csat is not None and before.csat is not None
    csat_m = margins.csat_margin(now.csat, now.csat_responses)
    assert csat_m is not None
    assert f"*CSAT*\n{numbers.pct(now.csat, 0)} ± {csat_m:.0f} pt" in text
    assert f"n = {now.csat_responses}: {now.csat_satisfied} satisfied" in text
    assert (now.lost_voluntary, now.lost_involuntary, before.lost_involuntary) == (2, 0, 1)
    assert f"*Churn rate*\n{numbers.pct(now.churn_rate)}" in text
    assert f"{now.lost_customers} lost of {now.customers_start} at start" in text
    assert f"{now.lost_voluntary} cancelled · {now.lost_involuntary} failed payments" in text
    assert f"*Retention rate*\n{numbers.pct(now.retention_rate)}" in text
    answers = now.nps_responses + now.csat_responses
    earlier = before.nps_responses + before.csat_responses
    assert f"*NPS + CSAT answers*\n{answers} ({numbers.change(answers - earlier)})" in text
    # The rate is answered of sent, as in metrics and the digest, with its own counts.
    assert (
        f"response rate {numbers.pct(now.response_rate)} "
        f"({now.surveys_answered} of {now.surveys_sent} sent answered)"
    ) in text
    for reason in reasons[:5]:
        line = f"{reason.label}: *{reason.customers}* customer"
        assert line in text
    price = next(r for r in reasons if r.key == "price")
    assert price.customers == 2 and reasons_before["price"] == 1
    assert "Price: *2* customers (▲ 1)" in text
    # The same figures for an explicit range.
    answer, took = await ask(events_url, slack_api, "summary 2026-02-01..2026-02-28")
    assert took < 3
    with factory() as session:
        february = metrics.compute(session, days_between(date(2026, 2, 1), date(2026, 2, 28), TZ))
    assert "Retention summary: 1 Feb – 28 Feb 2026" in text_of(answer)
    assert "so far" not in text_of(answer)  # February has ended
    assert f"*NPS*\n{numbers.nps(february.nps)}" in text_of(answer)


async def test_at_risk_lists_the_core_ranking(
    seeded: dict[str, int],
    events_url: str,
    slack_api: FakeSlackApi,
    factory: sessionmaker[Session],
    slack_bot: SlackBot,
) -> None:
    answer, took = await ask(events_url, slack_api, "at-risk 3")
    assert took < 3
    with factory() as session:
        expected = at_risk(session, NOW, slack_bot.ctx.weights, limit=3)
    text = text_of(answer)
    positions = [text.index(f"`{row.external_id}`") for row in expected]
    assert positions == sorted(positions)  # ordered by revenue at risk
    for rank, row in enumerate(expected, start=1):
        assert f"{rank}. *{row.name}* (`{row.external_id}`)" in text
        assert f"*{percent(row.probability)}* in {row.horizon_days} days · MRR " in text
        for reason in row.reasons[:3]:
            assert reason in text
    assert "Top 3 by expected MRR loss" in text
    assert "Model: hand-set weights, not calibrated" in text
    # plan filter
    answer, _ = await ask(events_url, slack_api, "at-risk plan:basic")
    with factory() as session:
        basic = at_risk(session, NOW, slack_bot.ctx.weights, limit=10, plan="basic")
    shown = [row.external_id for row in basic]
    assert shown and all(f"`{external_id}`" in text_of(answer) for external_id in shown)
    assert "`hooli`" not in text_of(answer)  # a pro customer
    # a plan nobody has: the reply names the plans there are
    answer, _ = await ask(events_url, slack_api, "at-risk plan:prp")
    assert "No customer has plan 'prp'. Plans on record: " in text_of(answer)
    assert "'basic'" in text_of(answer).split("Plans on record: ")[1]


async def test_reasons_counts_share_trend_and_quotes(
    seeded: dict[str, int],
    events_url: str,
    slack_api: FakeSlackApi,
    factory: sessionmaker[Session],
) -> None:
    answer, took = await ask(events_url, slack_api, "reasons")
    assert took < 3
    period = last_days(30, TZ, NOW)
    with factory() as session:
        counts = {r.key: r.customers for r in top_reasons(session, period, limit=10)}
    assert counts == {"price": 2, "support": 2, "competitor": 2}
    text = text_of(answer)
    assert "*Price*: 2 customers · 33.3% (▲ 1)" in text
    assert "*Support*: 2 customers · 33.3% (new)" in text
    assert "*Competitor*: 2 customers · 33.3% (new)" in text
    assert "> “Far too expensive and support is slow”" in text
    assert "> “The price went up again”" in text
    assert "corrected the tags of 0 answers" in text
    # Everyone's reasons are counted here, so the reply does not call them why people left.
    assert "Reasons customers gave: " in text
    assert "leavers and active customers alike" in text


async def test_customer_story_and_pick_list(
    seeded: dict[str, int], events_url: str, slack_api: FakeSlackApi
) -> None:
    answer, took = await ask(events_url, slack_api, "customer globex")
    assert took < 3
    text = text_of(answer)
    assert "Globex (globex)" in text
    assert "churned 2026-03-06 (voluntary)" in text
    assert "Exit interview (completed) · reason Competitor" in text
    assert "“Switching to a rival tool”" in text
    assert "cancelled" in text

    answer, _ = await ask(events_url, slack_api, "customer ops@ACME.example")  # email, any case
    assert "Acme Corp (acme-1)" in text_of(answer)
    assert "*Churn risk " in text_of(answer)
    assert "payment failed" in text_of(answer)

    answer, _ = await ask(events_url, slack_api, "customer acme")  # two match: pick one
    text = text_of(answer)
    assert "2 customers match “acme”" in text
    buttons = [
        block["accessory"] for block in answer["blocks"] if block.get("accessory") is not None
    ]
    assert [b["action_id"] for b in buttons] == ["churn_customer_pick"] * 2
    labs = next(b for b in buttons if "acme-2" in b["value"])
    key = "pick"
    body = block_action_body(
        "churn_customer_pick", labs["value"], ALLOWED, ALERTS, slack_api.response_url(key)
    )
    assert (await post(events_url, body)).status_code == 200
    story = await slack_api.wait_response(key)
    assert story["replace_original"] is True
    assert "Acme Labs (acme-2)" in text_of(story)

    answer, _ = await ask(events_url, slack_api, "customer nobody-at-all")
    assert "No customer matches “nobody-at-all”" in answer["text"]


BAD_ARGUMENTS = [
    ("frobnicate", "unknown subcommand 'frobnicate'"),
    ("at-risk lots", "`at-risk` takes a number and plan:NAME, not 'lots'"),
    ("at-risk 5000", "the number of customers must be 1 to 1000"),
    ("summary 45x", "'45x' is not a period"),
    ("reasons 2026-03-10..2026-03-01", "the period ends before it starts"),
    ("customer", "`customer` needs an external id"),
]


async def test_bad_arguments_get_help_and_what_was_wrong(
    events_url: str, slack_api: FakeSlackApi
) -> None:
    for text, problem in BAD_ARGUMENTS:
        answer, took = await ask(events_url, slack_api, text)
        assert took < 3
        assert problem in text_of(answer), text
        assert "/churn summary [period]" in text_of(answer)


async def test_help(events_url: str, slack_api: FakeSlackApi) -> None:
    answer, _ = await ask(events_url, slack_api, "help")
    assert "/churn at-risk [N] [plan:NAME]" in text_of(answer)
    assert not any(block["type"] == "actions" for block in answer["blocks"])


async def test_share_in_channel_posts_the_same_answer(
    seeded: dict[str, int], events_url: str, slack_api: FakeSlackApi
) -> None:
    answer, _ = await ask(events_url, slack_api, "summary 7d", channel=DIGEST)
    share = answer["blocks"][-1]
    assert share["type"] == "actions"
    button = share["elements"][0]
    assert button["text"]["text"] == "Share in channel"
    body = block_action_body(
        "churn_share", button["value"], ALLOWED, DIGEST, slack_api.response_url("share")
    )
    assert (await post(events_url, body)).status_code == 200
    shared = await slack_api.wait_response("share")
    assert shared["response_type"] == "in_channel"
    assert shared["replace_original"] is False
    assert shared["blocks"][:-1] == answer["blocks"][:-1]  # same content, minus the button
    assert f"Shared by <@{ALLOWED}>" in text_of(shared)

    # Elsewhere: no button, and a forged click is refused.
    answer, _ = await ask(events_url, slack_api, "summary 7d", channel=ELSEWHERE)
    assert not any(block["type"] == "actions" for block in answer["blocks"])
    body = block_action_body(
        "churn_share", button["value"], ALLOWED, ELSEWHERE, slack_api.response_url("nope")
    )
    await post(events_url, body)
    refused = await slack_api.wait_response("nope")
    assert "Sharing is turned on only in" in refused["text"]
    assert refused.get("response_type") == "ephemeral"


async def test_a_failing_query_answers_with_a_short_error(
    events_url: str, slack_api: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handlers.slack import churn_queries

    def broken(*_: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(churn_queries, "run", broken)
    answer, took = await ask(events_url, slack_api, "summary")
    assert took < 3
    assert "Sorry, that query failed" in answer["text"]
    assert "database on fire" not in json.dumps(answer)


def test_a_score_change_beyond_the_margin_keeps_its_arrow() -> None:
    """The summary's 'no clear change' is the margin of the difference, not a blanket rule."""
    from handlers.slack.summary_reply import _score_change

    # NPS +40 ± 5 against -10 ± 5: a 50-point move is far outside √(5² + 5²) ≈ 7.
    assert _score_change(40, -10, 5.0, 5.0) == " (▲ 50)"
    assert _score_change(40, 36, 5.0, 5.0) == " (no clear change)"
    assert _score_change(None, 36, 5.0, 5.0) == ""
