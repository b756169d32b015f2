"""Periods typed on the command line: until now, so far, not yet, before the first data."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from bot.cli import main
from bot.commands.periods import period_from_options
from builders import answer, customer, event
from insights.metrics import Period
from insights.periods import PeriodNotStarted, parse_period, so_far_note, up_to_now
from storage import schema
from storage.database import make_engine, session_factory

TZ = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 12, 6, 14, 30, tzinfo=UTC)  # a Sunday afternoon


def test_a_period_that_has_not_started_is_refused_in_one_line():
    with pytest.raises(PeriodNotStarted) as refused:
        period_from_options("2027-01-01", "2027-02-01", TZ, NOW)
    assert str(refused.value) == "2027-01-01 has not happened yet"
    with pytest.raises(PeriodNotStarted, match=r"^2027-01-01 has not happened yet$"):
        period_from_options("2027-01-01", None, TZ, NOW)


def test_from_alone_means_until_now():
    covered = period_from_options("2026-11-01", None, TZ, NOW)
    assert covered.period.start == datetime(2026, 11, 1, tzinfo=TZ)
    assert covered.period.end == NOW
    # Until now is today included, so far (as `30d`): labelled so, not a finished period.
    assert covered.so_far and covered.asked.end == datetime(2026, 12, 7, tzinfo=TZ)


def test_a_period_running_past_now_is_cut_at_now_and_labelled_so_far():
    covered = period_from_options("2026-12-01", "2027-01-01", TZ, NOW)
    assert covered.period == Period(datetime(2026, 12, 1, tzinfo=TZ), NOW)
    assert covered.so_far
    assert so_far_note(covered, TZ) == (
        "so far: 1 Dec – 6 Dec 2026, 6 of 31 days, the last one under way"
    )


def test_the_last_30_days_are_the_same_in_chat_and_on_the_command_line():
    default = period_from_options(None, None, TZ, NOW)
    chat = parse_period("30d", TZ, NOW)
    assert default.asked == chat
    assert default.period == Period(chat.start, NOW)
    assert default.period.start == datetime(2026, 11, 7, tzinfo=TZ)  # 30 days, today included


@given(
    first=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    length=st.integers(-5, 400),
    with_end=st.booleans(),
)
def test_any_typed_period_is_refused_or_lies_before_now(first, length, with_end):
    start = first.isoformat()
    end = (first + timedelta(days=length)).isoformat() if with_end else None
    try:
        covered = period_from_options(start, end, TZ, NOW)
    except PeriodNotStarted as error:
        assert first >= NOW.astimezone(TZ).date() and "has not happened yet" in str(error)
        return
    except click.BadParameter as error:
        assert with_end and length <= 0 and "--to must be after --from" in str(error)
        return
    assert covered.period.start < covered.period.end <= NOW
    assert covered.period.end <= covered.asked.end
    assert covered.so_far == (covered.asked.end > NOW)


def test_up_to_now_refuses_a_period_starting_at_now():
    with pytest.raises(PeriodNotStarted, match="2026-W50 has not happened yet"):
        up_to_now(Period(NOW, NOW + timedelta(days=7)), NOW, "2026-W50")


@pytest.fixture
def env(tmp_path):
    url = f"sqlite:///{tmp_path / 'periods.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    first = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with session_factory(engine)() as session, session.begin():
        people = [customer(session, first, mrr="1234.5") for _ in range(4)]
        event(session, people[0], "payment_succeeded", first)  # the records begin
        answer(session, people[0], "nps", 10, datetime.now(UTC) - timedelta(days=2))
    engine.dispose()
    return {"DATABASE_URL": url, "TIMEZONE": "UTC"}


def metrics(env, *args, **extra):
    return CliRunner().invoke(main, ["metrics", *args], env={**env, **extra})


def test_metrics_for_a_future_period_is_one_line_and_no_figures(env):
    result = metrics(env, "--from", "2099-01-01", "--to", "2099-02-01")
    assert result.exit_code == 2
    assert result.stderr == "error: 2099-01-01 has not happened yet\n"
    assert result.stdout == ""


def test_metrics_from_alone_runs_until_now(env):
    before = datetime.now(UTC)
    result = metrics(env, "--from", "2026-03-01", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert before <= datetime.fromisoformat(data["period_to"]) <= datetime.now(UTC)
    assert data["so_far"] is True and data["before_first_data"] is False


def test_metrics_before_the_first_data_says_so(env):
    result = metrics(env, "--from", "2026-01-01", "--to", "2026-02-01")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "No data: this period ends before the records begin (2026-03-02: the first event, "
        "survey or churn; sign-up dates before it say nothing about who left).\n"
    )
    data = json.loads(metrics(env, "--from", "2026-01-01", "--to", "2026-02-01",
                              "--format", "json").stdout)  # fmt: skip
    assert data["before_first_data"] is True and data["retention_rate"] is None


def test_metrics_table_writes_nps_with_sign_and_money_with_currency(env):
    plain = metrics(env, COLUMNS="100")
    assert plain.exit_code == 0, plain.output
    assert re.search(r"│ NPS +│ +\+100 │", plain.stdout)
    assert "1 / 0 / 0 │" in plain.stdout  # promoters / passives / detractors, own row
    assert "4,938.00 │" in plain.stdout  # separators, no currency by default
    assert "so far:" in plain.stdout  # the last 30 days include today, under way
    euros = metrics(env, COLUMNS="100", CURRENCY="EUR")
    assert "4,938.00 EUR" in euros.stdout  # MRR at end: 4 x 1,234.50
    assert "1,234.50 EUR" in euros.stdout  # ARPU
