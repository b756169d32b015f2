"""`retention-bot chat`: the surveys taken in a terminal, through the Telegram bot's engine."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.commands.chat import chat as chat_command
from bot.context import AppContext
from bot.services import Services
from builders import customer
from config import load_settings
from storage import schema
from storage.database import make_engine, session_factory
from storage.models import Answer, SurveySession


def chat(*args: str, input: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["chat", *args], input=input, env=env or {})


def test_nps_in_english_in_memory():
    result = chat("nps", input="4\nSupport never answered my tickets\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "How likely are you to recommend us" in out
    assert " 0   1   2   3   4   5" in out  # the scale, laid out like the keyboard
    assert "What is the main reason for your score?" in out
    assert "[skip] Skip" in out
    assert "Thank you for your feedback!" in out
    assert "Nothing stored. The bot would store:" in out
    assert "score: 4" in out
    assert "comment: 'Support never answered my tickets'" in out
    assert "tags: reasons support" in out


def test_nps_in_russian():
    result = chat("--lang", "ru", input="2\nСлишком дорого, цены выросли\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Насколько вероятно" in out
    assert "Спасибо" in out
    assert "score: 2" in out
    assert "tags: reasons price" in out
    assert "negative" in out


def test_invalid_input_is_asked_again_with_the_engines_message():
    result = chat("nps", input="11\nten\n10\n\nskip\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.count("Please choose a number from 0 to 10.") == 1  # 11
    assert out.count("Please tap one of the buttons above.") == 1  # "ten"
    assert "Please write a few words, or tap “Skip”." in out  # an empty comment
    assert "score: 10" in out
    assert "comment" not in out.split("would store:")[1]


def test_skip_in_csat_and_in_another_language():
    result = chat("csat", "--lang", "da", input="4\nspring over\n")
    assert result.exit_code == 0, result.output
    assert "score: 4" in result.stdout
    assert "Spring over" in result.stdout
    assert "comment" not in result.stdout.split("would store:")[1]


def test_exit_without_offers_asks_no_save_question():
    result = chat("exit", input="1\nToo pricey for us\n")
    assert result.exit_code == 0, result.output
    assert "Would this change your mind?" not in result.stdout
    assert "reason: price" in result.stdout
    assert "We wish you all the best" in result.stdout


def test_exit_with_a_save_offer(tmp_path: Path):
    offers = tmp_path / "offers.toml"
    offers.write_text('[price]\nen = "We can take 30% off your next three months."\n')
    env = {"SAVE_OFFERS_FILE": str(offers)}
    result = chat("exit", input="price\nskip\n1\n", env=env)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "1) Too expensive" in out
    assert "We can take 30% off your next three months." in out
    assert "Would this change your mind?" in out
    assert "Someone from our team will be in touch" in out
    assert "save_offer: yes" in out
    assert "flagged: save_opportunity" in out
    # Another reason has no offer: no save question.
    result = chat("exit", input="2\nskip\n", env=env)
    assert result.exit_code == 0, result.output
    assert "Would this change your mind?" not in result.stdout


def test_end_of_input_leaves_cleanly():
    result = chat("nps", input="5\n")
    assert result.exit_code == 0, result.output
    assert "Survey left before the end." in result.stderr
    assert "would store" not in result.stdout


def test_customer_answers_are_stored_and_exported(database_url: str):
    engine = make_engine(database_url)
    schema.upgrade(engine)
    factory = session_factory(engine)
    when = datetime(2026, 5, 2, 10, tzinfo=UTC)
    with factory() as session, session.begin():
        customer(session, when, external_id="C42", language="uk")
    env = {"DATABASE_URL": database_url}
    result = chat("nps", "--customer", "C42", input="12\n3\nЗанадто дорого для нас\n", env=env)
    assert result.exit_code == 0, result.output
    assert "Наскільки ймовірно" in result.stdout  # the customer's language
    assert "Stored 2 answer(s) for C42" in result.stdout
    with factory() as session:
        row = session.execute(select(SurveySession)).scalar_one()
        assert (row.status, row.channel, row.current_step) == ("completed", "terminal", None)
        answers = session.scalars(select(Answer).order_by(Answer.id)).all()
        assert [(a.question, a.score, a.text, a.language) for a in answers] == [
            ("score", 3, None, "uk"),
            ("comment", None, "Занадто дорого для нас", "uk"),
        ]
    engine.dispose()
    exported = CliRunner().invoke(main, ["export", "responses", "--format", "jsonl"], env=env)
    assert exported.exit_code == 0, exported.output
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(records) == 1
    record = records[0]
    assert (record["external_id"], record["survey"], record["score"]) == ("C42", "nps", 3)
    assert record["comment"] == "Занадто дорого для нас"
    assert record["reasons"][0] == "price"  # the rule's reason first (a model may add one)
    # An unknown customer is refused with one line, as other commands do.
    missing = chat("nps", "--customer", "nobody", input="", env=env)
    assert missing.exit_code == 1
    assert "nobody" in missing.stderr


def test_the_time_comes_from_the_services_clock(database_url: str):
    """A command reads the time from `Services.clock`, so a test can pin it."""
    engine = make_engine(database_url)
    schema.upgrade(engine)
    factory = session_factory(engine)
    with factory() as session, session.begin():
        customer(session, datetime(2026, 5, 2, 10, tzinfo=UTC), external_id="C42")
    pinned = datetime(2026, 5, 3, 9, 30, tzinfo=UTC)
    settings = load_settings(database_url=database_url)
    app = AppContext(_settings=settings, _services=Services(settings, clock=lambda: pinned))
    try:
        result = CliRunner().invoke(
            chat_command, ["nps", "--customer", "C42"], input="3\nToo expensive\n", obj=app
        )
    finally:
        app.close()
    assert result.exit_code == 0, result.output
    with factory() as session:
        row = session.execute(select(SurveySession)).scalar_one()
        answered = session.scalars(select(Answer.answered_at)).all()
    engine.dispose()
    assert row.created_at.replace(tzinfo=UTC) == pinned
    assert [a.replace(tzinfo=UTC) for a in answered] == [pinned, pinned]
