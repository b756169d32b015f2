"""Real-time alerts on unhappy customers: when one is raised, and what it says (plain data).

The rule (`alert_trigger`), per survey session:
- NPS detractor: an NPS score of 0-6;
- low CSAT: a CSAT score of 1-2;
- exit interview: any exit-interview answer (the customer has cancelled);
- churn intent: any answer tagged with a reason in CHURN_INTENT_REASONS, whatever the
  score. Those are the reasons that say the customer is *leaving*, not only unhappy:
  `competitor` ("we are moving to X") and `no_need` ("we don't need it any more"). Price,
  bugs or support are complaints staff hear about through the scores and the digest.

Timing: the score arrives before the comment (and an exit interview's reason before its
comment and save offer), and a customer may never write the comment. So the alert is
raised *at once* on the first answer that meets the rule, and the same alert is brought
up to date as the rest of the session arrives: its comment, tags and sentiment, and a
"yes" to a save offer (a *save opportunity*). One session never raises two alerts: the
follow-up is unique per (session, kind) in the database. A comment tagged `competitor`
after an NPS of 8 raises the alert when the comment arrives.

Answers from elsewhere (a survey tool posting to the API) alert only while they are news:
answered within the last `ALERT_WINDOW` (48 hours) and not in the future beyond
`CLOCK_SKEW` (a few minutes of another system's clock running fast). Older ones are
history being back-filled; a future-dated one (`answered_at` 9999-12-31) is a mistake or
an attempt to raise an alert at will, never news. `alert_window(now)` is that rule.

The listener of the Slack edge calls `process_answer` / `process_session` after each
commit, then `load_alert` to render; both run in a worker thread. The free-text answer
is tagged here if no other listener has tagged it yet (`insights.feedback.tag_answer`),
so the alert never shows an answer without its tags.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from insights import follow_ups
from insights.at_risk import assess_customer
from insights.feedback import tag_answer
from insights.risk import Weights
from insights.scales import DETRACTOR_MAX, LOW_CSAT_MAX
from insights.tagging import Tagger
from storage.models import Answer, AnswerTag, Customer, FollowUp, SurveySession, TagCorrection

log = logging.getLogger(__name__)
CHURN_INTENT_REASONS = frozenset({"competitor", "no_need"})
ALERT_WINDOW = timedelta(hours=48)  # answers from elsewhere older than this are history
CLOCK_SKEW = timedelta(minutes=5)  # how far in the future another system's clock may be


class Trigger(StrEnum):
    DETRACTOR = "detractor"
    LOW_CSAT = "low_csat"
    EXIT = "exit"
    CHURN_INTENT = "churn_intent"


def alert_trigger(survey: str, score: int | None, reasons: Iterable[str] = ()) -> Trigger | None:
    """Which rule an answer set meets (the strongest first), or None: no alert."""
    if survey == "exit":
        return Trigger.EXIT
    if survey == "nps" and score is not None and score <= DETRACTOR_MAX:
        return Trigger.DETRACTOR
    if survey == "csat" and score is not None and score <= LOW_CSAT_MAX:
        return Trigger.LOW_CSAT
    if CHURN_INTENT_REASONS.intersection(reasons):
        return Trigger.CHURN_INTENT
    return None


@dataclass(frozen=True)
class AlertWindow:
    """When an answer given elsewhere must have been given to raise an alert (both ends in)."""

    earliest: datetime
    latest: datetime


def alert_window(now: datetime) -> AlertWindow:
    """The last ALERT_WINDOW up to `now`, plus CLOCK_SKEW: an answer posted from another
    system alerts only when answered in it."""
    return AlertWindow(now - ALERT_WINDOW, now + CLOCK_SKEW)


@dataclass(frozen=True)
class AlertChange:
    """An alert exists for the session: new (`created`) or to be brought up to date."""

    follow_up_id: int
    created: bool


@dataclass(frozen=True)
class _SessionFacts:
    customer_id: int
    survey: str
    score: int | None
    reasons: frozenset[str]


def _facts(session: Session, session_id: int) -> _SessionFacts | None:
    head = session.execute(
        select(SurveySession.customer_id, SurveySession.survey).where(
            SurveySession.id == session_id
        )
    ).first()
    if head is None:
        return None
    score = session.scalar(
        select(Answer.score).where(Answer.session_id == session_id, Answer.question == "score")
    )
    reasons = session.scalars(
        select(AnswerTag.reason)
        .join(Answer, Answer.id == AnswerTag.answer_id)
        .where(Answer.session_id == session_id)
    )
    return _SessionFacts(head.customer_id, head.survey, score, frozenset(reasons))


def _ensure_tagged(session: Session, tagger: Tagger, answer_id: int) -> None:
    """Tag the answer unless someone has. A tagger that fails must not stop the alert:
    the score alone is reason enough, so its error is logged and the alert goes out
    untagged (database errors still propagate: the transaction is gone)."""
    tagged_at = session.scalar(select(Answer.tagged_at).where(Answer.id == answer_id))
    if tagged_at is not None:
        return
    try:
        tag_answer(session, tagger, answer_id)
    except SQLAlchemyError:
        raise
    except Exception:
        log.exception("tagging answer %s failed; its alert goes out without tags", answer_id)


def process_session(
    session: Session,
    session_id: int,
    tagger: Tagger | None,
    now: datetime,
    answer_id: int | None = None,
) -> AlertChange | None:
    """After an answer (or the end) of a session: open its alert, or report the one it has.

    Runs in the caller's transaction. `answer_id`, when given, is tagged first if it has
    not been: the churn-intent rule reads its tags (no tagger: the tags are read as
    they are).
    """
    if answer_id is not None and tagger is not None:
        _ensure_tagged(session, tagger, answer_id)
    existing = follow_ups.alert_of_session(session, session_id)
    if existing is not None:
        return AlertChange(existing, created=False)
    facts = _facts(session, session_id)
    if facts is None:
        return None
    trigger = alert_trigger(facts.survey, facts.score, facts.reasons)
    if trigger is None:
        return None
    follow_up_id, created = follow_ups.open_alert(
        session, facts.customer_id, session_id, trigger.value, now
    )
    return AlertChange(follow_up_id, created)


@dataclass(frozen=True)
class AlertContent:
    """Everything an alert message shows, read fresh from the database on every render."""

    follow_up_id: int
    trigger: str
    survey: str
    answered_at: datetime | None
    customer_external_id: str
    customer_name: str | None
    plan: str | None
    mrr: Decimal
    customer_status: str
    score: int | None
    chosen_reason: str | None  # the exit interview's reason button
    text: str | None
    language: str | None
    reasons: tuple[str, ...]  # tags of the free-text answer (or of the chosen reason)
    sentiment: float | None
    sentiment_label: str | None
    tagged_answer_id: int | None  # the answer "Wrong tags" corrects (free text only)
    corrected_by: str | None  # who corrected its tags last, if anyone
    risk_score: int | None
    risk_reasons: tuple[str, ...]
    save_opportunity: bool
    status: str
    assignee: str | None
    assigned_at: datetime | None
    contacted_at: datetime | None
    resolved_at: datetime | None
    post_destination: str | None  # where the alert's message was posted, once it was
    post_ref: str | None  # the platform's reference to that message
    # The churn probability's horizon; `risk_score` is that probability in whole percent.
    risk_horizon_days: int | None = None
    risk_probability: float | None = None


def _tags_of(session: Session, answer_id: int) -> tuple[tuple[str, ...], str | None]:
    """The answer's churn-reason tags (staff corrections first, then the rules', then the
    learned model's: the source names sort that way) and who corrected them last."""
    reasons = tuple(
        session.scalars(
            select(AnswerTag.reason)
            .where(AnswerTag.answer_id == answer_id)
            .order_by(AnswerTag.source.desc(), AnswerTag.id)
        )
    )
    corrected_by = session.scalar(
        select(TagCorrection.corrected_by)
        .where(TagCorrection.answer_id == answer_id)
        .order_by(TagCorrection.id.desc())
        .limit(1)
    )
    return reasons, corrected_by


def load_alert(
    session: Session, follow_up_id: int, weights: Weights, as_of: datetime
) -> AlertContent | None:
    """The alert as it stands now: the session's answers, tags, risk and follow-up state."""
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None or follow_up.session_id is None:
        return None
    customer = session.get(Customer, follow_up.customer_id)
    survey_session = session.get(SurveySession, follow_up.session_id)
    if customer is None or survey_session is None:
        return None
    answers = {
        a.question: a
        for a in session.scalars(select(Answer).where(Answer.session_id == survey_session.id))
    }
    score_answer = answers.get("score")
    reason_answer = answers.get("reason")
    comment = next((a for a in answers.values() if a.text), None)
    tagged = comment or reason_answer
    reasons, corrected_by = _tags_of(session, tagged.id) if tagged is not None else ((), None)
    risk = assess_customer(session, customer.id, as_of, weights)
    first = min((a.answered_at for a in answers.values()), default=None)
    return AlertContent(
        follow_up_id=follow_up.id,
        trigger=follow_up.alert_trigger or "",
        survey=survey_session.survey,
        answered_at=first,
        customer_external_id=customer.external_id,
        customer_name=customer.name,
        plan=customer.plan,
        mrr=customer.mrr,
        customer_status=customer.status,
        score=score_answer.score if score_answer is not None else None,
        chosen_reason=reason_answer.choice if reason_answer is not None else None,
        text=comment.text if comment is not None else None,
        language=comment.language if comment is not None else None,
        reasons=reasons,
        sentiment=comment.sentiment if comment is not None else None,
        sentiment_label=comment.sentiment_label if comment is not None else None,
        tagged_answer_id=comment.id if comment is not None else None,
        corrected_by=corrected_by,
        risk_score=risk.score if risk is not None else None,
        risk_horizon_days=risk.horizon_days if risk is not None else None,
        risk_probability=risk.probability if risk is not None else None,
        risk_reasons=tuple(risk.top_reasons(3)) if risk is not None else (),
        save_opportunity=survey_session.save_opportunity,
        status=follow_up.status,
        assignee=follow_up.assignee,
        assigned_at=follow_up.assigned_at,
        contacted_at=follow_up.contacted_at,
        resolved_at=follow_up.resolved_at,
        post_destination=follow_up.post_destination,
        post_ref=follow_up.post_ref,
    )
