"""answers covering index: the digest's week-by-week scores read the index alone

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24

The digest counts each week's answers by survey and score, and its responses (distinct
sessions), over eight weeks. With (survey, answered_at) alone every answer in the window
is a look-up into the table; with question, score and session_id in the index as well it
is one index range. On 3.75 million answers (1,000,000 customers, SQLite) that query went
from 4.5 s to 1.3 s (benchmarks/scale.py; docs/benchmarks.md). The old index is its
prefix, so it is replaced, not kept beside it.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index("ix_answers_survey_answered_at")
        batch_op.create_index(
            "ix_answers_survey_answered_at_scores",
            ["survey", "answered_at", "question", "score", "session_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index("ix_answers_survey_answered_at_scores")
        batch_op.create_index(
            "ix_answers_survey_answered_at", ["survey", "answered_at"], unique=False
        )
