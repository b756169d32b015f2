"""`retention-bot cohorts` from the command line: table, JSON, heatmap and bad options."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bot.cli import main
from builders import customer, event
from insights.digest.months import Month
from storage import schema
from storage.database import make_engine, session_factory


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """January 2026: 4 sign-ups, one cancels in February; February: 2, one cancels in April."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    with session_factory(engine)() as session, session.begin():
        january = [customer(session, utc(2026, 1, 10 + i), mrr="20") for i in range(4)]
        event(session, january[0], "subscription_cancelled", utc(2026, 2, 10))
        february = [customer(session, utc(2026, 2, 3 + i), mrr="50") for i in range(2)]
        event(session, february[1], "subscription_cancelled", utc(2026, 4, 10))
    engine.dispose()
    yield {"DATABASE_URL": url, "TIMEZONE": "Europe/Copenhagen"}


def cohorts(env: dict[str, str], *args: str):
    return CliRunner().invoke(main, ["cohorts", *args], env=env)


def test_table_fits_80_columns_and_shows_the_numbers(env):
    result = cohorts(env, "--from", "2026-01", "--to", "2026-03")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "Customer retention by sign-up month" in result.stdout
    january = next(line for line in lines if line.strip().startswith("2026-01"))
    # size 4; 100% at the end of January, 75% from February on.
    assert january.split()[:5] == ["2026-01", "4", "100", "75", "75"]
    february = next(line for line in lines if line.strip().startswith("2026-02"))
    assert february.split()[:5] == ["2026-02", "2", "100", "100", "50"]
    march = next(line for line in lines if line.strip().startswith("2026-03"))
    assert march.split()[:3] == ["2026-03", "0", "–"]


def test_json_and_revenue(env):
    result = cohorts(env, "--from", "2026-01", "--to", "2026-02", "--metric", "revenue",
                     "--format", "json", "--periods", "3")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["by"] == "month" and data["metric"] == "revenue"
    first, second = data["cohorts"]
    assert first["cohort"] == "2026-01" and first["start_mrr"] == "80.00"
    assert first["retention"] == [100.0, 75.0, 75.0]
    assert second["retained"] == ["100.00", "100.00", "50.00"]


def test_weeks(env):
    result = cohorts(env, "--by", "week", "--from", "2026-W02", "--to", "2026-W03",
                     "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # Week 2 (5-11 Jan): the sign-ups of 10 and 11 January; week 3: those of 12 and 13.
    assert [(c["cohort"], c["customers"]) for c in data["cohorts"]] == [
        ("2026-W02", 2), ("2026-W03", 2)
    ]  # fmt: skip
    assert data["cohorts"][0]["retention"][:6] == [100.0, 100.0, 100.0, 100.0, 100.0, 50.0]


def test_chart_is_a_png(env, tmp_path):
    chart = tmp_path / "cohorts.png"
    result = cohorts(env, "--from", "2026-01", "--to", "2026-03", "--chart", str(chart))
    assert result.exit_code == 0, result.output
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"heatmap written to {chart}" in result.stderr


def test_default_is_the_last_twelve_full_months_from_the_first_sign_up(env):
    data = json.loads(cohorts(env, "--format", "json").stdout)
    labels = [c["cohort"] for c in data["cohorts"]]
    last = Month.last_full(datetime.now(UTC), ZoneInfo("Europe/Copenhagen"))
    twelve = [last.shift(i) for i in range(-11, 1)]
    # Months before the company's first sign-up (January 2026) are left out.
    assert labels == [str(m) for m in twelve if m >= Month(2026, 1)] or (
        Month(2026, 2) < twelve[0] and labels == []
    )


def test_from_before_the_first_sign_up_starts_at_it_and_says_so(env):
    """`--from 2025-06` on a company whose first customer signed up in January 2026: the
    table starts in January (seven empty rows say nothing) and a note says why."""
    result = cohorts(env, "--from", "2025-06", "--to", "2026-02", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [c["cohort"] for c in json.loads(result.stdout)["cohorts"]] == ["2026-01", "2026-02"]
    assert result.stderr.strip() == (
        "note: the first sign-up is in 2026-01; the empty cohorts from 2025-06 before it are "
        "left out"
    )
    inside = cohorts(env, "--from", "2026-02", "--to", "2026-03", "--format", "json")
    assert [c["cohort"] for c in json.loads(inside.stdout)["cohorts"]] == ["2026-02", "2026-03"]
    assert inside.stderr == ""  # March is empty but after the first sign-up: it stays


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "year"], "Invalid value for '--by'"),
        (["--metric", "profit"], "Invalid value for '--metric'"),
        (["--from", "2026-13"], "Invalid value for --from: 2026-13: there is no month 13"),
        (["--from", "January"], "is not a month like 2026-11"),
        (["--by", "week", "--from", "2026-01"], "with --by week, cohorts are written like"),
        (["--to", "2999-01"], "Invalid value for --to: 2999-01 has not ended yet"),
        (["--from", "2026-03", "--to", "2026-01"], "2026-03 is after --to 2026-01"),
        (["--from", "1990-01", "--to", "2026-01"], "at most 260 at a time"),
        (["--periods", "0"], "Invalid value for '--periods'"),
        (["--chart", "heatmap.jpg"], "heatmap.jpg should end in .png"),
        (["--chart", "missing/x.png"], "cannot write missing/x.png: the folder missing"),
    ],
)
def test_bad_options_are_one_line(env, args, message):
    result = cohorts(env, "--to", "2026-02", *args) if "--to" not in args else cohorts(env, *args)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.lower().startswith("error")]
    assert len(errors) == 1 and message in errors[0]  # the whole message on one line
    assert "Traceback" not in result.output


def test_help_says_what_it_answers():
    result = CliRunner().invoke(main, ["cohorts", "--help"])
    words = " ".join(result.output.split())
    assert "how many are still here k months later?" in words
    assert "--metric [customers|revenue]" in result.output
