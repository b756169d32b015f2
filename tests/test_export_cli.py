"""`retention-bot export responses`: one record per answered survey, CSV or JSON lines."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from click.testing import CliRunner

from bot.cli import main
from builders import answer, customer
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
