"""Migration 0014 lets `answer_tags.source` be `model`, and moves the tags the learned model
found (rule `model.<lang>.<reason>`, stored as `rules` before) to it; the downgrade moves
them back. Real rows written at 0013 with raw SQL, read at 0014, read again after the
downgrade; the check refuses `model` before and after, accepts it in between.
"""

from __future__ import annotations

from alembic import command
from check_constraints import refused
from migration_rows import insert_customer
from sqlalchemy import text

from storage import schema
from storage.database import make_engine

T = "2026-11-01 10:00:00"
INSERT_TAG = text(
    "INSERT INTO answer_tags (id, answer_id, reason, rule, source, created_at)"
    " VALUES (:id, 100, :reason, :rule, :source, :t)"
)
BEFORE = [
    ("price", "pricing.en.too_expensive", "rules"),
    ("support", "model.en.support", "rules"),
    ("bugs", "staff:ana", "staff"),
    ("no_need", "choice:exit.reason", "rules"),
]


def _seed(connection) -> None:  # type: ignore[no-untyped-def]
    insert_customer(connection, T)
    connection.execute(
        text(
            "INSERT INTO survey_sessions (id, customer_id, survey, status, channel,"
            " created_at, updated_at, save_opportunity)"
            " VALUES (10, 1, 'nps', 'completed', 'telegram', :t, :t, :no)"
        ),
        {"t": T, "no": False},
    )
    connection.execute(
        text(
            "INSERT INTO answers (id, session_id, customer_id, survey, question, text,"
            " answered_at, channel, created_at, updated_at, tags_corrected)"
            " VALUES (100, 10, 1, 'nps', 'comment', 'too slow, too dear', :t, 'telegram',"
            " :t, :t, :no)"
        ),
        {"t": T, "no": False},
    )
    for n, (reason, rule, source) in enumerate(BEFORE, start=1):
        connection.execute(
            INSERT_TAG, {"id": n, "reason": reason, "rule": rule, "source": source, "t": T}
        )


def _tags(connection) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    rows = connection.execute(text("SELECT reason, rule, source FROM answer_tags ORDER BY id"))
    return [(r[0], r[1], r[2]) for r in rows]


def _refused(engine, **row: object) -> bool:  # type: ignore[no-untyped-def]
    return refused(engine, INSERT_TAG, t=T, **row)


def test_0014_model_source_and_back(database_url: str) -> None:
    engine = make_engine(database_url)
    config = schema.alembic_config(engine)
    model_tag = {"id": 5, "reason": "features", "rule": "model.ru.features", "source": "model"}
    try:
        command.upgrade(config, "0013")
        with engine.begin() as connection:
            _seed(connection)
        assert _refused(engine, **model_tag)

        command.upgrade(config, "0014")
        with engine.begin() as connection:
            assert _tags(connection) == [
                ("price", "pricing.en.too_expensive", "rules"),
                ("support", "model.en.support", "model"),
                ("bugs", "staff:ana", "staff"),
                ("no_need", "choice:exit.reason", "rules"),
            ]
            connection.execute(INSERT_TAG, {"t": T, **model_tag})
        assert _refused(engine, id=6, reason="other", rule="x", source="guess")

        command.downgrade(config, "0013")
        with engine.connect() as connection:
            assert _tags(connection) == [
                *BEFORE,
                ("features", "model.ru.features", "rules"),
            ]
            assert connection.execute(text("SELECT count(*) FROM answers")).scalar_one() == 1
        assert _refused(engine, **{**model_tag, "id": 7, "reason": "other"})

        command.upgrade(config, "head")
        assert schema.head_revision() >= "0014"
    finally:
        engine.dispose()
