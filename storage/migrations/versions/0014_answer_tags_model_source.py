"""answer_tags: a `model` source for reasons the learned tagging model found

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

Until now a tag had two sources, the rules and staff, so a reason only the learned model
found (shipped or company model) was stored as source `rules` with the rule id
`model.<lang>.<reason>`. Counting model tags apart from rule tags, and telling staff which
were the model's, needs its own source. The check on `source` changes (on SQLite the table
is rebuilt in batch mode: the check is part of its DDL) and the existing rows whose rule
starts with `model.` become source `model`. The downgrade turns them back into `rules`
first, since the old check would refuse them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OLD_SOURCES = ("rules", "staff")
NEW_SOURCES = ("rules", "model", "staff")
NAME = "ck_answer_tags_source_known"
MODEL_RULES = "rule LIKE 'model.%'"


def _condition(sources: tuple[str, ...]) -> str:
    return "source IN (" + ", ".join(f"'{s}'" for s in sources) + ")"


def _replace_check(sources: tuple[str, ...]) -> None:
    with op.batch_alter_table("answer_tags", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), sa.text(_condition(sources)))


def upgrade() -> None:
    _replace_check(NEW_SOURCES)
    op.execute(f"UPDATE answer_tags SET source = 'model' WHERE source = 'rules' AND {MODEL_RULES}")


def downgrade() -> None:
    op.execute("UPDATE answer_tags SET source = 'rules' WHERE source = 'model'")
    _replace_check(OLD_SOURCES)
