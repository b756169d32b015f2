"""What the retention team did in the week: follow-ups and accepted save offers.

Each follow-up is counted by its own dates, so one opened on Friday and resolved on
Monday shows as opened in one week and resolved in the next. A save offer counts as
accepted when the exit interview that carried it was completed in the week with the
customer saying the offer would change their mind (`survey_sessions.save_opportunity`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from insights.digest.model import FollowUps
from insights.metrics import Period
from storage.models import FollowUp, SurveySession


def _within(column: Any, period: Period) -> Any:
    return and_(column >= period.start, column < period.end)


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def follow_ups(session: Session, period: Period) -> FollowUps:
    opened = _within(FollowUp.created_at, period)
    contacted = _within(FollowUp.contacted_at, period)
    resolved = _within(FollowUp.resolved_at, period)
    row = session.execute(
        select(_count_if(opened), _count_if(contacted), _count_if(resolved)).where(
            or_(opened, contacted, resolved)
        )
    ).one()
    return FollowUps(opened=int(row[0]), contacted=int(row[1]), resolved=int(row[2]))


def saves_accepted(session: Session, period: Period) -> int:
    count = session.scalar(
        select(func.count()).where(
            SurveySession.save_opportunity.is_(True),
            _within(SurveySession.completed_at, period),
        )
    )
    return int(count or 0)
