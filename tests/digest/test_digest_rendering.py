"""Rendering without a database: text, Markdown, Slack Block Kit, Telegram HTML, the chart."""

from __future__ import annotations

import html
import re
import struct
from datetime import UTC, datetime

import pytest
from digest_helpers import WEEK, sample

from handlers.slack.digest import MAX_BLOCKS, SECTION_CHARS, fallback_text, render_blocks
from handlers.telegram.digest import MESSAGE_CHARS, render_messages
from insights.digest import (
    Digest,
    WeekFigures,
    as_json,
    render_chart,
    render_markdown,
    render_text,
    short_quote,
)
from insights.digest.numbers import change, nps, sparkline


def test_text_reads_as_a_report():
    text = render_text(sample())
    assert text.startswith("Retention digest · week 47 · 16–22 Nov 2026\n")
    # NPS 17 vs 16 from 50 answers each: inside the ± 29 margin of the difference.
    assert (
        "• NPS +17 ± 21 (n = 50) (no clear change vs last week: ▲ 1 is inside the ± 29 margin)"
        in text
    )
    assert "• CSAT 80% satisfied ± 12 pt (n = 40) (no change vs last week)" in text
    assert "• Churn 0.4% · 8 customers lost (no change vs last week): 6 cancelled, 2 after" in text
    assert "Why customers left\n------------------\n1. Price · 5 leavers\n" in text
    assert "1. Price · 5 leavers\n   “Too expensive for what we use”" in text
    assert "2 of 8 leavers gave no reason." in text
    assert "What active customers complain about\n" in text
    assert "1. Bugs · 9 customers\n   “The export crashes every time”" in text
    assert "small sample" not in text
    assert "“客服三天都不回复” (zh)" in text
    assert (
        "1. Ava Wilson 0 (C0000, team) · 80% in 30 days · 39.20 of 49.00 MRR expected lost" in text
    )
    assert "Expected MRR loss in 30 days from these customers: 117.60" in text
    assert "backtest AUC 0.81, 30-day calibration 1.05" in text
    assert "risk 80" not in text
    assert "Follow-ups: 5 opened, 3 contacted, 2 resolved" in text
    assert "• NPS  ▁▂·▄▅▆▇█  +10 → +17" in text


def test_the_answers_trend_says_what_it_counts():
    """The row counts answers given in the week, not answered-of-sent as the headline's rate
    does, so it is called what it is; the JSON key stays `answers`."""
    digest = sample()
    text = render_text(digest)
    assert "• Surveys answered (all kinds)  ▄▄▄▄▄▄▄▄  95 → 95" in text
    assert "Survey responses" not in text
    assert as_json(digest)["trend"]["answers"] == [95] * 8


def test_markdown_escapes_data():
    markdown = render_markdown(sample(name="*ACME* [beta]_co"))
    assert "**\\*ACME\\* \\[beta\\]\\_co 0**" in markdown
    assert markdown.startswith("# Retention digest · week 47 · 16–22 Nov 2026\n")
    assert "\n## Why customers left\n\n1. **Price** · 5 leavers\n   - _“Too expensive" in markdown


def test_slack_blocks_escape_and_stay_within_limits():
    blocks = render_blocks(sample(at_risk=400, name="<b>Evil & Co</b>", reason_text="x" * 400))
    assert len(blocks) <= MAX_BLOCKS
    assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) <= 150
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(t) <= SECTION_CHARS for t in texts)
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in "".join(texts)
    assert "<b>" not in "".join(texts)
    assert "shortened to fit Slack" in blocks[-1]["elements"][0]["text"]


def test_slack_blocks_of_a_normal_digest():
    digest = sample()
    blocks = render_blocks(digest)
    assert len(blocks) < 20
    body = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert "*NPS +17 ± 21* (n = 50) (no clear change vs last week" in body
    assert "*Why customers left*" in body
    assert "*What active customers complain about*" in body
    assert fallback_text(digest) == (
        "Retention digest, week 47 (16–22 Nov 2026): retention 99.6%, churn 0.4% (8 lost), NPS +17"
    )


def test_telegram_messages_are_escaped_and_split_below_the_limit():
    digest = sample(at_risk=300, name="Tom & <Jerry>")
    messages = render_messages(digest)
    assert len(messages) > 1
    for message in messages:
        assert len(message) <= MESSAGE_CHARS
        # Only our own tags, each closed in the same message.
        tags = re.findall(r"</?([a-z]+)>", message)
        assert set(tags) <= {"b", "i"}
        for tag in ("b", "i"):
            assert message.count(f"<{tag}>") == message.count(f"</{tag}>")
    joined = "".join(messages)
    assert "Tom &amp; &lt;Jerry&gt; 0" in joined
    for i in (0, 150, 299):
        assert joined.count(f"(C{i:04d}, team)") == 1
    assert html.unescape(re.sub(r"</?[bi]>", "", messages[0])).startswith("Retention digest")


def test_short_digest_is_one_telegram_message():
    assert len(render_messages(sample())) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Too   expensive\nfor us  ", "Too expensive for us"),
        ("“Quoted already”", "Quoted already"),
        ("word " * 40, ("word " * 23).strip() + "…"),
        ("First sentence is long enough to keep on its own. " * 3,
         "First sentence is long enough to keep on its own. First sentence is long enough to "
         "keep on its own."),
        ("客" * 200, "客" * 119 + "…"),
    ],
)  # fmt: skip
def test_short_quote(text, expected):
    assert short_quote(text) == expected
    assert len(short_quote(text)) <= 120


def test_numbers():
    assert sparkline([1, 2, None, 4]) == "▁▃·█"
    assert sparkline([None, None]) == "··"
    assert sparkline([5, 5]) == "▄▄"
    assert change(None) == ""
    assert change(0.0, "pt") == "no change"
    assert change(-2.345, "pt") == "▼ 2.3 pt"
    assert change(3) == "▲ 3"
    # NPS keeps its sign, and a negative one the same minus sign as money: "−4", not "-4"
    assert (nps(18.4), nps(-4.2), nps(0.3), nps(None)) == ("+18", "\u22124", "0", "–")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chart_is_a_phone_sized_png():
    png = render_chart(sample())
    assert _png_size(png) == (1080, 1440)
    assert 20_000 < len(png) < 1_000_000


def test_chart_of_a_week_without_data_still_renders():
    empty = Digest(
        week=WEEK,
        timezone="UTC",
        period_start=WEEK.start(UTC),
        period_end=WEEK.end(UTC),
        generated_at=datetime(2026, 11, 23, tzinfo=UTC),
        weeks=tuple(
            WeekFigures(
                w, 0, 0, 0, 0, 0, 0, None, None, None, None, None, 0, 0, 0, None, 0, 0, 0, None
            )
            for w in (WEEK.shift(i - 7) for i in range(8))
        ),
    )
    assert _png_size(render_chart(empty)) == (1080, 1440)
    assert "No data for this week." in render_text(empty)
