"""A staff member's click survives the process being killed the moment Slack has its 200.

Slack does not resend an interaction. With the click acknowledged first and stored by a
lazy listener after, a SIGKILL right after the acknowledgement lost it while Slack showed
it as accepted. Stored first, it is in the database before the 200 leaves.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from logged_process import ServerProcess
from slack_fake_api import TOKEN as SLACK_TOKEN
from slack_fake_api import FakeSlackApi
from slack_requests import SECRET, block_action_body, signature_headers, view_submission_body
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from builders import answer, at, customer
from insights import follow_ups
from storage.models import Answer, AnswerTag, FollowUp

STAFF = "U0ALLOWED1"
ALERTS = "C0ALERTS01"


def _seed(factory: sessionmaker[Session]) -> tuple[int, int]:
    now = datetime.now(UTC)
    with factory() as session, session.begin():
        who = customer(session, at(1), name="Northwind")
        survey = answer(session, who, "nps", 2, now - timedelta(minutes=5), text="Too slow")
        follow_up_id, _ = follow_ups.open_alert(session, who.id, survey.id, "detractor", now)
        answer_id = session.scalar(select(Answer.id).where(Answer.session_id == survey.id,
                                                           Answer.text.is_not(None)))  # fmt: skip
        assert answer_id is not None
        return follow_up_id, answer_id


@pytest.fixture
def server(
    slack_api: FakeSlackApi, database_url: str, engine: Engine, tmp_path: Path
) -> ServerProcess:
    process = ServerProcess(
        {
            "DATABASE_URL": database_url,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": "0",
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_API_URL": slack_api.base_url,
            "SLACK_MODE": "http",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_ALERTS_CHANNEL": ALERTS,
            "SLACK_ALLOWED_USERS": STAFF,
        },
        tmp_path,
    )
    return process


async def _post_then_kill(server: ServerProcess, body: str) -> httpx.Response:
    await server.start()
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                f"{server.url}/slack/events", content=body, headers=signature_headers(body)
            )
        await server.kill()  # the instant Slack has its answer
    finally:
        await server.stop()
    return response


async def test_a_click_survives_a_kill_right_after_the_ack(
    server: ServerProcess, slack_api: FakeSlackApi, factory: sessionmaker[Session]
) -> None:
    follow_up_id, _ = _seed(factory)
    body = block_action_body("alert_take", str(follow_up_id), STAFF, ALERTS,
                             slack_api.response_url("take"), "1700000000.1")  # fmt: skip
    response = await _post_then_kill(server, body)
    assert response.status_code == 200
    with factory() as session:
        row = session.get_one(FollowUp, follow_up_id)
        assert (row.status, row.assignee) == ("assigned", STAFF)


async def test_a_tag_correction_survives_a_kill_right_after_the_ack(
    server: ServerProcess, factory: sessionmaker[Session]
) -> None:
    follow_up_id, answer_id = _seed(factory)
    values = {"reasons": {"picked": {"type": "multi_static_select", "selected_options": [
        {"text": {"type": "plain_text", "text": "Bugs"}, "value": "bugs"}]}}}  # fmt: skip
    meta = json.dumps({"follow_up": follow_up_id, "answer": answer_id})
    response = await _post_then_kill(
        server, view_submission_body(STAFF, "alert_tags", meta, values)
    )
    assert response.status_code == 200 and response.text == ""
    with factory() as session:
        tags = list(
            session.scalars(select(AnswerTag.reason).where(AnswerTag.answer_id == answer_id))
        )
        assert tags == ["bugs"]
