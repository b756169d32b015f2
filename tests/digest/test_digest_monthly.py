"""The monthly edition (DIGEST_CADENCE=monthly): Month, a digest for a month with its
cohort section, the delivery key, the scheduled job and the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from digest_helpers import CHANNEL, MANAGER_CHATS, digest_environment, digest_settings, sample
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.cli import main
from bot.digest_posting import post_week, retry_unsent
from bot.scheduler import next_digest_run, weekly_digest_job
from builders import answer, customer, event
from config import load_settings
from insights import cohorts, lifecycle, metrics
from insights.digest import (
    Month,
    MonthFormatError,
    monthly_chart,
    render_chart,
    render_json,
    render_text,
)
from insights.digest.document import document
from insights.digest.monthly import compose_month
from insights.digest.monthly_chart import _mark_so_far as mark_so_far
from insights.risk import default_weights
from storage import schema
from storage.database import make_engine, session_factory
from storage.models import DigestPost

TZ = ZoneInfo("Europe/Copenhagen")
PNG = b"\x89PNG\r\n\x1a\n"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- Month ---------------------------------------------------------------------------------


def test_month_reads_and_bounds_like_a_week():
    month = Month.parse("2026-11")
    assert month == Month(2026, 11) == Month.parse(" 2026-11-18 ")
    assert Month.parse("2026-3") == Month(2026, 3)
    assert str(month) == "2026-11" and month.span() == "November 2026"
    # Local midnights: 1 November 00:00 in Copenhagen is 23:00 UTC the day before.
    assert month.start(TZ) == utc(2026, 10, 31, 23)
    assert month.end(TZ) == utc(2026, 11, 30, 23)
    assert Month(2026, 3).end(TZ) == utc(2026, 3, 31, 22)  # summer time from 29 March
    assert month.shift(2) == Month(2027, 1) and month.shift(-11) == Month(2025, 12)
    assert Month(2027, 1).short() == "Jan 27" and month.short() == "Nov"
    # 00:30 on 1 December in Copenhagen: November has just ended.
    assert Month.last_full(utc(2026, 11, 30, 23, 30), TZ) == month
    assert month.has_ended(utc(2026, 11, 30, 23), TZ)
    assert not month.has_ended(utc(2026, 11, 30, 22, 59), TZ)
    assert Month(2026, 1) < Month(2026, 2) < Month(2027, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "there is no month 13"),
        ("2026-00", "there is no month 0"),
        ("November", "is not a month like 2026-11"),
        ("2026-02-30", "is not a month like 2026-11"),
        ("2026-W47", "is not a month like 2026-11"),
    ],
)
def test_month_refuses_what_is_not_a_month(text, message):
    with pytest.raises(MonthFormatError, match=message):
        Month.parse(text)


@given(st.dates(min_value=date(1971, 1, 1), max_value=date(9000, 12, 31)), st.integers(-600, 600))
def test_month_shift_and_parse_round_trip(day, months):
    month = Month.containing(day)
    assert Month.parse(str(month)) == month
    assert month.shift(months).shift(-months) == month
    shifted = month.shift(months)
    assert (shifted.year * 12 + shifted.month) - (month.year * 12 + month.month) == months


# -- a digest for a month ------------------------------------------------------------------


@pytest.fixture
def company(factory):
    """Sign-ups from December 2025 to March 2026; churn and answers in March."""
    with factory() as session, session.begin():
        december = [customer(session, utc(2025, 12, 5 + i), mrr="20") for i in range(10)]
        january = [customer(session, utc(2026, 1, 7 + i), mrr="30") for i in range(5)]
        customer(session, utc(2026, 3, 3), mrr="40")
        event(session, december[0], "payment_succeeded", utc(2025, 12, 5))  # records begin
        for who in december[:2] + january[:1]:
            event(session, who, "subscription_cancelled", utc(2026, 3, 10))
        answer(session, december[5], "nps", 10, utc(2026, 3, 12), text="Great, every week")
        answer(session, december[6], "nps", 3, utc(2026, 3, 14), text="Too expensive")
    with factory() as session, session.begin():
        lifecycle.refresh(session, utc(2026, 4, 2), timedelta(days=14))
    return factory


def test_a_digest_for_a_month(company):
    now = utc(2026, 4, 2, 8)
    with company() as session:
        digest = compose_month(
            session, Month(2026, 3), TZ, now=now, weights=default_weights(), industry="it"
        )
        period = Month(2026, 3).period(TZ)
        expected = metrics.compute(session, period)
        table = cohorts.compute(
            session, [Month(2026, 3).shift(i) for i in range(-11, 1)], TZ, period.end,
            max_periods=12,
        )  # fmt: skip
    assert digest.monthly and str(digest.week) == "2026-03"
    assert (digest.period_start, digest.period_end) == (period.start, period.end)
    assert [str(w.week) for w in digest.weeks] == [
        "2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"
    ]  # fmt: skip
    current = digest.current
    assert current.customers_start == expected.customers_start == 15
    assert current.lost_customers == expected.lost_customers == 3
    assert current.retention_rate == expected.retention_rate == 80.0
    assert current.nps == expected.nps == 0.0
    # The cohort table is `retention-bot cohorts --by month --to 2026-03` on 1 April.
    assert digest.cohorts == table.trimmed()
    assert [c.label for c in digest.cohorts.cohorts] == ["2025-12", "2026-01", "2026-02", "2026-03"]
    rows = {c.label: c for c in digest.cohorts.cohorts}
    assert rows["2025-12"].retention == (100.0, 100.0, 100.0, 80.0)
    assert rows["2026-01"].retention == (100.0, 100.0, 80.0)
    assert rows["2026-03"].retention == (100.0,)
    # The benchmark compounds monthly rates: 12 a year, not 52.
    # January to March (December started with no customers): 100%, 100%, 80%.
    assert digest.benchmark is not None and digest.benchmark.weeks_used == 3
    assert digest.benchmark.annualised_rate == 41.0  # 100 x (1 x 1 x 0.8) ^ (12 / 3)


def test_the_monthly_document_speaks_in_months_and_lists_the_cohorts(company):
    with company() as session:
        digest = compose_month(session, Month(2026, 3), TZ, now=utc(2026, 4, 2), weights=None)
    text = render_text(digest)
    assert text.startswith("Retention digest · March 2026\n")
    assert "This month\n" in text and "vs last month" in text
    assert "Trend, Aug to Mar" in text
    headline = text.split("This month\n")[1].split("\n\n")[0]
    assert "week" not in headline.lower()
    assert "Cohorts: % still customers, months 0 to 3 after sign-up" in text
    assert "• 2025-12 (10 signed up): 100 · 100 · 100 · 80\n" in text
    assert "• 2026-02 (0 signed up): – · –\n" in text
    doc = document(digest)
    titles = [section.title for section in doc.sections]
    assert titles.index("Cohorts: % still customers, months 0 to 3 after sign-up") == (
        titles.index("Trend, Aug to Mar") + 1
    )
    data = json.loads(render_json(digest))
    assert data["edition"] == "monthly" and data["week"] == "2026-03"
    assert data["period"]["label"] == "March 2026"
    assert data["cohorts"]["cohorts"][0]["cohort"] == "2025-12"
    assert data["cohorts"]["cohorts"][0]["retention"] == [100.0, 100.0, 100.0, 80.0]
    assert render_chart(digest).startswith(PNG)


def test_a_month_under_way_is_so_far_and_not_set_against_a_full_month(company):
    """April 2026 at noon on the 10th: 10 of 30 days. Its figures stand alone (no ▲/▼ against the
    whole of March) and its few days' retention is not annualised into the benchmark."""
    with company() as session:
        digest = compose_month(
            session, Month(2026, 4), TZ, now=utc(2026, 4, 10, 12), weights=None, industry="it"
        )
    assert digest.so_far
    text = render_text(digest)
    assert text.startswith("Retention digest · April 2026 · so far: 1 Apr – 10 Apr 2026, 10 of 30")
    assert "changes against a full month are not shown" in text.split("\n")[2]
    headline = text.split("This month\n")[1].split("\n\n")[0]
    assert "Retention 100.0%" in headline
    for word in ("▲", "▼", "vs last", "no change", "no clear change"):
        assert word not in headline, word
    assert "Trend, Sep to Apr (Apr so far)" in text
    # January to March: 100%, 100%, 80% (April's 10 days left out).
    assert digest.benchmark is not None and digest.benchmark.weeks_used == 3
    # The same month once over is compared with March as usual.
    with company() as session:
        ended = compose_month(session, Month(2026, 4), TZ, now=utc(2026, 5, 2), weights=None)
    assert not ended.so_far
    whole = render_text(ended)
    assert whole.startswith("Retention digest · April 2026\n")
    assert "vs last month" in whole.split("This month\n")[1].split("\n\n")[0]


def test_the_monthly_chart_marks_a_month_under_way(company, monkeypatch):
    """The month under way's churn bars are hatched (the last bar only)."""
    seen = []

    def spy(axes):
        mark_so_far(axes)
        seen.append([bar.get_hatch() for bar in axes.containers[0].patches])

    monkeypatch.setattr(monthly_chart, "_mark_so_far", spy)
    with company() as session:
        digest = compose_month(session, Month(2026, 4), TZ, now=utc(2026, 4, 10), weights=None)
    assert render_chart(digest).startswith(PNG)
    assert seen == [[None] * 7 + ["//"]]
    render_chart(replace(digest, covered_until=None))
    assert len(seen) == 1  # a month that is over is not marked


def test_customer_quotes_and_the_call_list_keep_their_words():
    weekly = sample()
    reason = replace(weekly.leaving_reasons[0], quote="Support took a week to answer")
    entry = replace(weekly.at_risk[0], reasons=("no activity for 3 weeks",))
    digest = replace(
        weekly, week=Month(2026, 11), leaving_reasons=(reason, *weekly.leaving_reasons[1:]),
        at_risk=(entry, *weekly.at_risk[1:]),
    )  # fmt: skip
    text = render_text(digest)
    assert "“Support took a week to answer”" in text
    assert "no activity for 3 weeks" in text
    # NEW on the call list compares with the list a week earlier, in the monthly edition too.
    assert "most at risk (none new since a week ago)" in text
    marked = replace(digest, at_risk=(replace(entry, new_to_list=True), *weekly.at_risk[1:]))
    assert "most at risk (1 new since a week ago)" in render_text(marked)
    assert "(1 new this week)" in render_text(replace(marked, week=weekly.week))
    assert json.loads(render_json(weekly))["edition"] == "weekly"
    assert "cohorts" not in json.loads(render_json(weekly))


# -- delivery, schedule, settings, command line --------------------------------------------


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'monthly.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    with session_factory(engine)() as session, session.begin():
        people = [customer(session, utc(2026, 1, 5 + i), mrr="49") for i in range(8)]
        event(session, people[0], "subscription_cancelled", utc(2026, 2, 10))
        answer(session, people[1], "nps", 9, utc(2026, 2, 11))
    engine.dispose()
    yield url


def keys(url: str) -> list[tuple[str, str, str]]:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        found = session.execute(
            select(DigestPost.week, DigestPost.destination, DigestPost.status).order_by(
                DigestPost.destination
            )
        ).all()
    engine.dispose()
    return [tuple(row) for row in found]


async def test_the_monthly_job_posts_last_month_once_keyed_by_the_month(
    database, slack_api, telegram_api
):
    settings = digest_settings(database, slack_api, telegram_api, digest_cadence="monthly")
    first_of_march = utc(2026, 3, 1, 8)  # 09:00 in Copenhagen
    await weekly_digest_job(settings, now=first_of_march)
    assert keys(database) == sorted(
        [("2026-02", f"slack:{CHANNEL}", "sent")]
        + [("2026-02", f"telegram:{chat}", "sent") for chat in MANAGER_CHATS],
        key=lambda row: row[1],
    )
    message = slack_api.calls_to("chat.postMessage")[0]
    assert message.params["text"].startswith("Retention digest, February 2026: retention 87.5%")
    assert "February 2026" in message.params["blocks"][0]["text"]["text"]
    upload = slack_api.calls_to("files.completeUploadExternal")[0]
    assert "retention by sign-up month" in json.dumps(upload.params)
    photo = telegram_api.calls_to("sendPhoto")[0]
    assert photo.params["caption"].startswith("February 2026 in a chart")
    text = telegram_api.calls_to("sendMessage")[0].params["text"]
    assert "Cohorts: % still customers" in text and "<b>2026-01</b> (8 signed up): 100 · 88" in text
    calls = len(slack_api.calls) + len(telegram_api.calls)
    await weekly_digest_job(settings, now=first_of_march.replace(minute=3))
    assert len(slack_api.calls) + len(telegram_api.calls) == calls  # exactly once


async def test_a_failed_monthly_post_is_retried_by_its_month_key(database, slack_api):
    settings = digest_settings(database, slack_api, digest_cadence="monthly")
    slack_api.fail(
        "chat.postMessage", times=3, status=500, error="internal_error", retry_after=None
    )
    now = utc(2026, 3, 1, 8)
    engine = make_engine(database)
    (failed,) = await post_week(settings, session_factory(engine), Month(2026, 2), now)
    assert failed.status == "failed" and failed.week == "2026-02"
    # A weekly key left from before the cadence changed is not parsed as a month.
    with session_factory(engine)() as session, session.begin():
        session.add(DigestPost(week="2026-W08", destination=f"slack:{CHANNEL}", status="failed",
                               attempts=1, created_at=now, updated_at=now))  # fmt: skip
    outcomes = await retry_unsent(settings, session_factory(engine), now)
    assert [(o.week, o.status) for o in outcomes] == [("2026-02", "sent")]
    engine.dispose()


def test_monthly_cadence_posts_on_the_first_unless_told_otherwise(database):
    monthly = load_settings(database_url=database, timezone="Europe/Copenhagen",
                            digest_cadence="monthly")  # fmt: skip
    assert monthly.digest.cron == "0 9 1 * *"
    assert next_digest_run(monthly, utc(2026, 3, 9)) == utc(2026, 4, 1, 7)  # 09:00 CEST
    chosen = load_settings(database_url=database, digest_cadence="monthly", digest_cron="0 7 2 * *")
    assert chosen.digest.cron == "0 7 2 * *"
    assert load_settings(database_url=database).digest.cron == "0 9 * * mon"


def test_digest_command_month_and_cadence(database, tmp_path):
    env = digest_environment(database, None, None)
    chart = tmp_path / "month.png"
    result = CliRunner().invoke(
        main, ["digest", "--month", "2026-02", "--format", "json", "--chart", str(chart)], env=env
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["edition"] == "monthly" and data["week"] == "2026-02"
    # January's 8 sign-ups: all there at the end of January, 7 at the end of February.
    assert data["cohorts"]["cohorts"][0]["cohort"] == "2026-01"
    assert data["cohorts"]["cohorts"][0]["retention"] == [100.0, 87.5]
    assert chart.read_bytes().startswith(PNG)
    by_default = CliRunner().invoke(main, ["digest"], env=env | {"DIGEST_CADENCE": "monthly"})
    assert by_default.exit_code == 0, by_default.output
    assert (
        by_default.stdout.startswith("Retention digest · ")
        and "week" not in (by_default.stdout.splitlines()[0])
    )
    both = CliRunner().invoke(main, ["digest", "--month", "2026-02", "--week", "2026-W07"], env=env)
    assert both.exit_code == 2 and "choose one of --week and --month" in both.output
    bad = CliRunner().invoke(main, ["digest", "--month", "2026-13"], env=env)
    assert bad.exit_code == 2 and "Invalid value for --month: 2026-13: there is no month 13" in (
        bad.output
    )
    slack = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_DIGEST_CHANNEL": CHANNEL}
    future = CliRunner().invoke(main, ["digest", "--post", "--month", "2999-01"], env=env | slack)
    assert future.exit_code == 2 and "2999-01 has not happened yet" in future.output


def test_compose_week_gives_the_monthly_edition_the_same_options(database):
    from bot.digest_posting import compose_week

    settings = digest_settings(database, digest_cadence="monthly", min_sample="5")
    engine = make_engine(database)
    digest = compose_week(settings, session_factory(engine), Month(2026, 2), utc(2026, 3, 2))
    engine.dispose()
    assert digest.monthly and digest.min_sample == 5 and digest.cohorts is not None
