"""Every message stays within Slack's Block Kit limits, however long the content."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from slack_fake_api import FakeSlackApi
from slack_messages import ask, text_of
from slack_people import ALERTS
from slack_seed import NOW, many_customers, seed
from sqlalchemy.orm import Session, sessionmaker

from bot.slack_app import SlackBot
from handlers.slack import alert_blocks, blocks
from insights.alerts import AlertContent
from insights.at_risk import at_risk


def assert_within_limits(message: dict[str, Any]) -> None:
    assert len(message["blocks"]) <= blocks.MAX_BLOCKS
    for block in message["blocks"]:
        if block["type"] == "section":
            if "text" in block:
                assert len(block["text"]["text"]) <= blocks.SECTION_CHARS
            for field in block.get("fields", []):
                assert len(field["text"]) <= 2000
            assert len(block.get("fields", [])) <= 10
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= blocks.HEADER_CHARS
        if block["type"] == "actions":
            for element in block["elements"]:
                assert len(element["text"]["text"]) <= 75
                assert len(element["value"]) <= 2000


async def test_at_risk_of_500_customers_fits_with_and_n_more(
    slack_bot: SlackBot,
    events_url: str,
    slack_api: FakeSlackApi,
    factory: sessionmaker[Session],
) -> None:
    seed(factory)
    many_customers(factory, 500)
    answer, took = await ask(events_url, slack_api, "at-risk 500", channel=ALERTS)
    assert took < 3
    assert_within_limits(answer)
    with factory() as session:
        expected = at_risk(session, NOW, slack_bot.ctx.weights, limit=500)
    assert len(expected) == 500
    text = text_of(answer)
    shown = [row for row in expected if f"(`{row.external_id}`)" in text]
    assert 10 <= len(shown) < 500
    assert shown == expected[: len(shown)]  # the top of the list, in order
    assert f"…and {500 - len(shown)} more. `retention-bot at-risk --limit 500`" in text
    assert answer["blocks"][-1]["type"] == "actions"  # the Share button survives the cut
    assert len(answer["text"]) <= blocks.FALLBACK_CHARS


def test_list_sections_cut_by_blocks_and_characters() -> None:
    items = [f"item {i} " + "x" * 480 for i in range(1000)]
    packed = blocks.list_sections(items, lambda n: f"and {n} more", max_blocks=20)
    assert len(packed) <= 20
    assert packed[-1]["type"] == "context" and packed[-1]["elements"][0]["text"].endswith("more")
    shown = sum(b["text"]["text"].count("item ") for b in packed if b["type"] == "section")
    assert packed[-1]["elements"][0]["text"] == f"and {1000 - shown} more"
    assert sum(len(b["text"]["text"]) for b in packed if b["type"] == "section") <= 12_500
    # Few blocks allowed: still within them.
    packed = blocks.list_sections(items, lambda n: f"and {n} more", max_blocks=3, max_chars=10**6)
    assert len(packed) <= 3
    # One huge item is cut to a section's limit, not dropped.
    packed = blocks.list_sections(["y" * 10_000], lambda n: "", max_blocks=5, max_chars=10**6)
    assert len(packed) == 1 and len(packed[0]["text"]["text"]) == blocks.SECTION_CHARS
    # Everything fits: no note.
    packed = blocks.list_sections(["a", "b"], lambda n: "more", max_blocks=5)
    assert [b["type"] for b in packed] == ["section"]


def test_reply_finish_keeps_the_buttons_and_cuts_the_body() -> None:
    body = [blocks.section(f"part {i}") for i in range(80)]
    tail = [blocks.actions("x", [blocks.button("Share in channel", "churn_share", "1 help")])]
    finished = blocks.SlackReply("t" * 5000, body).finish(tail)
    assert len(finished.blocks) == blocks.MAX_BLOCKS
    assert finished.blocks[-1] == tail[0]
    assert "more parts not shown" in finished.blocks[-2]["elements"][0]["text"]
    assert len(finished.text) == blocks.FALLBACK_CHARS


def test_an_alert_with_a_huge_comment_fits() -> None:
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    alert = AlertContent(
        follow_up_id=1, trigger="detractor", survey="nps", answered_at=moment,
        customer_external_id="c" * 200, customer_name="N" * 300, plan="p" * 100,
        mrr=Decimal("12345678.90"), customer_status="active", score=0, chosen_reason=None,
        text="<b>spam</b> & " * 2000, language="en", reasons=("price", "support"),
        sentiment=-0.9, sentiment_label="negative", tagged_answer_id=5, corrected_by=None,
        risk_score=99, risk_reasons=("r" * 900, "s" * 900, "t" * 900), save_opportunity=True,
        status="open", assignee=None, assigned_at=None, contacted_at=None, resolved_at=None,
        post_destination=None, post_ref=None,
    )  # fmt: skip
    reply = alert_blocks.render(alert, ZoneInfo("UTC"))
    message = {"blocks": reply.blocks}
    assert_within_limits(message)
    assert "&lt;b&gt;spam&lt;/b&gt; &amp;" in text_of(message)  # escaped, not markup
