"""Answers are tagged when imported; retag follows rule changes and keeps staff corrections."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from builders import answer, customer
from insights import feedback
from insights.tagging import Tagger
from storage.models import Answer, AnswerTag, SurveySession, TagCorrection

WHEN = datetime(2026, 10, 5, 12, tzinfo=UTC)
CUSTOM_RULES = """
[meta]
version = 1

[reasons.shipping]
names = { en = "Shipping" }

[reasons.shipping.en]
late_delivery = ["parcel ... late"]
"""


def tags(factory, answer_id):
    with factory() as session:
        return sorted(
            session.execute(
                select(AnswerTag.reason, AnswerTag.rule, AnswerTag.source).where(
                    AnswerTag.answer_id == answer_id
                )
            ).all()
        )


def comment_id(survey_session: SurveySession) -> int:
    return next(a.id for a in survey_session.answers if a.question == "comment")


def test_import_tags_answers_with_reasons_sentiment_and_the_score(database_url, tmp_path):
    env = {"DATABASE_URL": database_url}
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    customers = tmp_path / "c.csv"
    customers.write_text("external_id,language,signed_up_at\na,ru,2026-01-01\nb,,2026-01-01\n")
    runner.invoke(main, ["import", "customers", str(customers)], env=env)
    responses = tmp_path / "r.csv"
    responses.write_text(
        "response_id,external_id,survey,score,comment,answered_at\n"
        "r1,a,nps,2,Слишком дорого и поддержка не отвечает,2026-02-01\n"
        "r2,b,nps,10,Love it,2026-02-01\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["import", "responses", str(responses)], env=env)
    assert result.exit_code == 0, result.stderr
    assert "tagged 2 answers" in result.stdout
    export = runner.invoke(main, ["export", "responses", "--format", "jsonl"], env=env)
    first, second = (json.loads(line) for line in export.stdout.splitlines())
    assert set(first["reasons"]) == {"price", "support"}
    assert all(rule.split(".")[1] == "ru" for rule in first["rules"])
    assert first["sentiment_label"] == "negative"
    assert second["reasons"] == []
    assert second["sentiment_label"] == "positive"


def test_retag_applies_new_rules_and_keeps_staff_corrections(factory, database_url, tmp_path):
    with factory() as session, session.begin():
        who = customer(session, WHEN, language="en")
        late = answer(session, who, "nps", 3, WHEN, text="The parcel was late again")
        corrected = answer(session, who, "nps", 4, WHEN, text="Way too expensive")
        ids = comment_id(late), comment_id(corrected)
    report = feedback.tag_pending(factory, Tagger.default())
    assert report.tagged == 2
    assert [t[0] for t in tags(factory, ids[1])] == ["price"]
    with factory() as session, session.begin():
        feedback.correct_reasons(session, ids[1], ["billing"], corrected_by="U123")
    rules = tmp_path / "rules.toml"
    rules.write_text(CUSTOM_RULES)
    result = CliRunner().invoke(
        main, ["retag"], env={"DATABASE_URL": database_url, "TAGGING_RULES_FILE": str(rules)}
    )
    assert result.exit_code == 0, result.stderr
    assert "retagged 2 answers; 1 kept their staff corrections" in result.stdout
    assert tags(factory, ids[0]) == [("shipping", "shipping.en.late_delivery", "rules")]
    assert tags(factory, ids[1]) == [("billing", "staff:U123", "staff")]
    with factory() as session:
        correction = session.scalars(select(TagCorrection)).one()
        assert (correction.reasons_before, correction.reasons_after) == ("price", "billing")
        assert session.get(Answer, ids[1]).sentiment_label is not None


def test_exit_reason_button_counts_as_a_reason(factory):
    with factory() as session, session.begin():
        who = customer(session, WHEN)
        exit_session = answer(session, who, "exit", None, WHEN)
        session.add(
            Answer(
                session_id=exit_session.id, customer_id=who.id, survey="exit",
                question="reason", choice="competitor", answered_at=WHEN,
                channel="telegram", created_at=WHEN, updated_at=WHEN,
            )
        )  # fmt: skip
    feedback.tag_pending(factory, Tagger.default())
    with factory() as session:
        found = session.execute(select(AnswerTag.reason, AnswerTag.rule)).all()
    assert [tuple(row) for row in found] == [("competitor", "choice:exit.reason")]


def test_bad_rules_file_is_one_line_error(database_url, tmp_path):
    rules = tmp_path / "bad.toml"
    rules.write_text("[meta\n")
    result = CliRunner().invoke(
        main, ["tag", "-"], input="hello\n", env={"TAGGING_RULES_FILE": str(rules)}
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: TAGGING_RULES_FILE: ")
    assert "not valid TOML" in result.stderr


def test_tag_cli_streams_in_order_with_errors_per_line():
    lines = [
        "Too expensive for us",
        "",
        '{"text": "Поддержка не отвечает", "lang": "ru"}',
        "{not json",
        '{"text": "太贵了", "score": 3, "survey": "nps"}',
    ]
    result = CliRunner().invoke(main, ["tag"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 5
    assert out[0]["reasons"] == ["price"] and out[0]["text"] == lines[0]
    assert out[1]["line"] == 2 and "error" in out[1]
    assert out[2]["lang"] == "ru" and out[2]["reasons"] == ["support"]
    assert out[3]["line"] == 4 and "error" in out[3]
    assert out[4]["lang"] == "zh" and out[4]["reasons"] == ["price"]
    assert set(out[0]) == {"text", "lang", "sentiment", "label", "reasons", "rules"}


def test_tag_cli_unreadable_file_fails():
    result = CliRunner().invoke(main, ["tag", "/no/such/file.txt"])
    assert result.exit_code != 0
    assert "file.txt" in result.stderr
