"""Migration 0002 (processed updates, one open survey per customer) applies and reverts.

That the models match the migrations as a whole is checked in tests/test_schema_and_settings.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from storage import schema
from storage.database import make_engine


def test_0002_applies_enforces_and_reverts(database_url: str) -> None:
    engine = make_engine(database_url)
    config = schema.alembic_config(engine)
    try:
        command.upgrade(config, "0002")
        indexes = {i["name"]: i for i in inspect(engine).get_indexes("survey_sessions")}
        assert indexes["uq_survey_sessions_one_open"]["unique"]
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO customers (id, external_id, mrr, signed_up_at, status,"
                    " created_at, updated_at) VALUES (1, 'c', 0, :t, 'active', :t, :t)"
                ),
                {"t": now},
            )
            insert = text(
                "INSERT INTO survey_sessions (customer_id, survey, status, channel, created_at,"
                " updated_at) VALUES (1, 'nps', :status, 'telegram', :t, :t)"
            )
            for status in ("completed", "expired", "sent"):  # closed ones do not count
                connection.execute(insert, {"status": status, "t": now})
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert, {"status": "scheduled", "t": now})

        command.downgrade(config, "0001")
        assert "processed_updates" not in inspect(engine).get_table_names()
        command.upgrade(config, "0002")
        assert "processed_updates" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
