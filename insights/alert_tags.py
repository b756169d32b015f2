"""Staff correcting the tags of the answer behind an alert ("Wrong tags" in Slack).

The edge shows the answer and its reasons in a form and hands back the staff's choice; the
rules of what may be corrected (the alert's own written answer, nothing else) live here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from insights.feedback import correct_reasons
from storage.models import Answer, AnswerTag, FollowUp

Missing = Literal["no_alert", "no_text"]


@dataclass(frozen=True)
class TaggedAnswer:
    answer_id: int
    text: str
    reasons: list[str]
    by_model: list[str] = field(default_factory=list)
    """Those of `reasons` only the learned model found (source `model`), no rule: the form
    says so, since they are the likeliest to be wrong."""


def answer_of_alert(session: Session, follow_up_id: int) -> TaggedAnswer | Missing:
    """The alert's first written answer and its current reasons, or why there is none."""
    session_id = session.scalar(select(FollowUp.session_id).where(FollowUp.id == follow_up_id))
    if session_id is None:
        return "no_alert"
    answer = session.execute(
        select(Answer.id, Answer.text)
        .where(Answer.session_id == session_id, Answer.text.is_not(None))
        .order_by(Answer.id)
        .limit(1)
    ).first()
    if answer is None:
        return "no_text"
    tags = session.execute(
        select(AnswerTag.reason, AnswerTag.source)
        .where(AnswerTag.answer_id == answer.id)
        .order_by(AnswerTag.id)
    ).all()
    return TaggedAnswer(
        int(answer.id),
        str(answer.text),
        [reason for reason, _ in tags],
        [reason for reason, source in tags if source == "model"],
    )


def correct_alert_tags(
    session: Session, follow_up_id: int, answer_id: int, reasons: list[str], corrected_by: str
) -> bool:
    """Replace the answer's tags with the staff's; False if the answer is not the alert's."""
    belongs = session.scalar(
        select(Answer.id)
        .join(FollowUp, FollowUp.session_id == Answer.session_id)
        .where(Answer.id == answer_id, FollowUp.id == follow_up_id)
    )
    if belongs is None:
        return False
    correct_reasons(session, answer_id, reasons, corrected_by)
    return True
