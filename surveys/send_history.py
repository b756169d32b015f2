"""A history of survey sends made elsewhere (the demo's sends.csv), answered or not.

The synthetic company's answers are imported like any company's (responses.csv through
the CSV importer), but a response rate also needs the surveys nobody answered. The
generator writes them to sends.csv; here they become survey sessions as the bot would have
left them: an answered one gets its send time and the Telegram channel, an unanswered one
is a sent session that expired after SURVEY_EXPIRY_DAYS (or is still open, for the latest
one of a customer within that time).
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Customer, SurveySession


def record_sends(
    factory: sessionmaker[Session], path: Path, now: datetime, expires_after: timedelta
) -> int:
    """Store sends.csv; returns how many sends were recorded."""
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    with factory() as session, session.begin():
        customers = {
            external_id: (customer_id, language)
            for external_id, customer_id, language in session.execute(
                select(Customer.external_id, Customer.id, Customer.language)
            )
        }
        imported = dict(
            session.execute(
                select(SurveySession.source_ref, SurveySession.id).where(
                    SurveySession.source_ref.is_not(None)
                )
            ).all()
        )
        answered = []
        unanswered: list[dict[str, object]] = []
        latest_open: dict[int, int] = {}  # customer id -> index in unanswered
        for row in sorted(rows, key=lambda r: r["sent_at"]):
            sent_at = datetime.fromisoformat(row["sent_at"])
            if row["response_id"]:
                answered.append(
                    {"id": imported[row["response_id"]], "sent_at": sent_at, "channel": "telegram"}
                )
                continue
            customer_id, language = customers[row["external_id"]]
            expires_at = sent_at + expires_after
            if expires_at > now:  # still open: only the latest one per customer can be
                if customer_id in latest_open:
                    unanswered[latest_open[customer_id]]["status"] = "expired"
                latest_open[customer_id] = len(unanswered)
            unanswered.append(
                {
                    "customer_id": customer_id,
                    "survey": row["survey"],
                    "status": "sent" if expires_at > now else "expired",
                    "channel": "telegram",
                    "language": language,
                    "current_step": "score" if row["survey"] != "exit" else "reason",
                    "sent_at": sent_at,
                    "expires_at": expires_at,
                    "created_at": sent_at,
                    "updated_at": min(expires_at, now),
                }
            )
        if answered:
            session.execute(update(SurveySession), answered)
        if unanswered:
            session.execute(insert(SurveySession), unanswered)
    return len(rows)
