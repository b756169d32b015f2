"""Applying one customer input to their survey session, in one transaction.

The engine decides; this module loads what it needs and makes the decision durable: the
answer row and the session's new step/status commit together or not at all. Concurrency
(the same update delivered twice, a double tap, two bot processes) is settled by the
database, not by memory: the session row is locked (`FOR UPDATE` on PostgreSQL; SQLite
serialises writers), the step moves only if it is still the one the input answered
(compare-and-set), and `answers` is unique on (session, question) as the last word.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.models import OPEN_SESSION_STATUSES, Answer, Customer, SurveySession
from surveys import engine
from surveys._sql import affected
from surveys.accounts import customer_at
from surveys.channels import Identity, KnownCustomer
from surveys.engine import Advance, Input, Problem, Reject, State
from surveys.hooks import CompletedSurvey, StoredAnswer
from surveys.model import AnswerValue, Survey

log = logging.getLogger(__name__)


class Result(StrEnum):
    ADVANCED = "advanced"  # stored (or skipped); the next step is current
    COMPLETED = "completed"  # stored; the survey is done
    REJECTED = "rejected"  # see `problem`
    NO_SURVEY = "no_survey"  # typed input while nothing is open
    NOT_LINKED = "not_linked"  # the address belongs to no customer


@dataclass(frozen=True, slots=True)
class Applied:
    result: Result
    language: str | None = None  # the customer's language
    session_id: int | None = None
    survey: str | None = None
    next_step: str | None = None
    problem: Problem | None = None
    answers: dict[str, AnswerValue] | None = None  # after this input
    flags: frozenset[str] = frozenset()
    stored: StoredAnswer | None = None
    completed: CompletedSurvey | None = None
    prompt_ref: str | None = None  # the channel's message that asked the answered question


class _Lost(Exception):
    """The session moved on between our read and our write: roll back, report `applied`."""

    def __init__(self, applied: Applied) -> None:
        super().__init__("session moved on")
        self.applied = applied


def _load_answers(session: Session, session_id: int) -> list[Answer]:
    return list(
        session.scalars(select(Answer).where(Answer.session_id == session_id).order_by(Answer.id))
    )


def _value(answer: Answer) -> AnswerValue:
    return AnswerValue(answer.question, score=answer.score, choice=answer.choice, text=answer.text)


def _stored(answer: Answer) -> StoredAnswer:
    return StoredAnswer(
        answer_id=answer.id,
        session_id=answer.session_id,
        customer_id=answer.customer_id,
        survey=answer.survey,
        question=answer.question,
        score=answer.score,
        choice=answer.choice,
        text=answer.text,
        language=answer.language,
        answered_at=answer.answered_at,
    )


def completed_surveys(session: Session, session_ids: list[int]) -> list[CompletedSurvey]:
    """Completed sessions as the listeners see them, for surveys completed elsewhere
    (responses a survey tool sent to the API): alerts then treat them like the bot's own."""
    rows = session.scalars(
        select(SurveySession)
        .where(SurveySession.id.in_(session_ids), SurveySession.status == "completed")
        .order_by(SurveySession.id)
    )
    found = []
    for row in rows:
        answers = _load_answers(session, row.id)
        found.append(
            CompletedSurvey(
                session_id=row.id,
                customer_id=row.customer_id,
                survey=row.survey,
                language=row.language,
                completed_at=row.completed_at or row.updated_at,
                save_opportunity=row.save_opportunity,
                answers=tuple(_stored(a) for a in answers),
            )
        )
    return found


def apply_input(
    factory: sessionmaker[Session],
    surveys: dict[str, Survey],
    who: Identity,
    given: Input,
    now: datetime,
    has_offer: Callable[[str | None], Callable[[str], bool]],
    *,
    session_id: int | None = None,
    step_key: str | None = None,
) -> Applied:
    """Apply `given` from `who`. A tap names its session and step; typed input does not.

    `who` is an address on a channel, or a customer named directly (a channel without
    addresses, such as the terminal); the answer is stored as given on `who.channel`.
    `has_offer(language)` gives the engine's save-offer test for the customer's language.
    """
    try:
        with factory() as session, session.begin():
            return _apply(session, surveys, who, given, now, has_offer, session_id, step_key)
    except _Lost as lost:
        return lost.applied
    except IntegrityError:
        # Another process stored this question between our lock-free read and our insert
        # (possible on SQLite, which has no row locks): the first answer stands.
        log.info("answer to session %s raced another writer; kept the first", session_id)
        return Applied(Result.REJECTED, problem=Problem.ANSWERED, session_id=session_id)


def _apply(
    session: Session,
    surveys: dict[str, Survey],
    who: Identity,
    given: Input,
    now: datetime,
    has_offer: Callable[[str | None], Callable[[str], bool]],
    session_id: int | None,
    step_key: str | None,
) -> Applied:
    if isinstance(who, KnownCustomer):
        customer = session.get(Customer, who.customer_id)
    else:
        customer = customer_at(session, who)
    if customer is None:
        return Applied(Result.NOT_LINKED)
    language = customer.language
    survey_session = _locked_session(session, customer, who, session_id)
    if isinstance(survey_session, Applied):
        return survey_session
    survey = surveys[survey_session.survey]
    rows = _load_answers(session, survey_session.id)
    state = State(
        survey=survey.key,
        status=survey_session.status,
        current_step=survey_session.current_step,
        expires_at=survey_session.expires_at,
        answers={row.question: _value(row) for row in rows},
    )
    outcome = engine.answer(survey, state, given, now, has_offer(language), step_key)
    base = Applied(
        Result.REJECTED,
        language=language,
        session_id=survey_session.id,
        survey=survey.key,
        # A message reference means something only on the channel that sent it.
        prompt_ref=survey_session.message_ref if survey_session.channel == who.channel else None,
    )
    if isinstance(outcome, Reject):
        if outcome.forged:
            log.warning(
                "forged input on session %s step %s from %s: %r (%s)",
                survey_session.id,
                step_key,
                who,
                given,
                outcome.problem,
            )
        return replace(
            base,
            problem=outcome.problem,
            next_step=state.current_step,
            answers=dict(state.answers),
        )
    return _commit(session, survey_session, customer, state, outcome, now, who.channel, rows, base)


def _locked_session(
    session: Session, customer: Customer, who: Identity, session_id: int | None
) -> SurveySession | Applied:
    """The session the input answers, locked: the tapped one, else the customer's open one.

    An `Applied` instead when there is none (or the tap names a session that is gone) or
    the tapped session belongs to another customer (a forged tap).
    """
    language = customer.language
    query = select(SurveySession).with_for_update()
    if session_id is not None:
        query = query.where(SurveySession.id == session_id)
    else:
        query = query.where(
            SurveySession.customer_id == customer.id,
            SurveySession.status.in_(OPEN_SESSION_STATUSES),
        )
    survey_session = session.execute(query).scalars().first()
    if survey_session is None:
        if session_id is not None:
            # Deleted (a released claim) or never existed (forged): either way, closed.
            log.warning("tap on unknown survey session %s from %s", session_id, who)
            return Applied(Result.REJECTED, language, problem=Problem.CLOSED)
        return Applied(Result.NO_SURVEY, language)
    if survey_session.customer_id != customer.id:
        log.warning(
            "forged tap: %s (customer %s) on session %s of customer %s",
            who,
            customer.id,
            survey_session.id,
            survey_session.customer_id,
        )
        return Applied(Result.REJECTED, language, problem=Problem.NOT_A_CHOICE)
    return survey_session


def _commit(
    session: Session,
    survey_session: SurveySession,
    customer: Customer,
    state: State,
    outcome: Advance,
    now: datetime,
    channel: str,
    rows: list[Answer],
    base: Applied,
) -> Applied:
    done = outcome.completed
    _move(session, survey_session, state, outcome, now, base)
    stored: StoredAnswer | None = None
    answers = dict(state.answers)
    if outcome.answer is not None:
        row = _store_answer(session, survey_session, customer, outcome.answer, now, channel)
        stored = _stored(row)
        rows = [*rows, row]
        answers[row.question] = outcome.answer
    flags = outcome.flags | ({"save_opportunity"} if survey_session.save_opportunity else set())
    completed = None
    if done:
        completed = CompletedSurvey(
            session_id=survey_session.id,
            customer_id=customer.id,
            survey=survey_session.survey,
            language=customer.language,
            completed_at=now,
            save_opportunity="save_opportunity" in flags,
            answers=tuple(_stored(r) for r in rows),
        )
    return replace(
        base,
        result=Result.COMPLETED if done else Result.ADVANCED,
        next_step=outcome.next_step,
        answers=answers,
        flags=frozenset(flags),
        stored=stored,
        completed=completed,
    )


def _move(
    session: Session,
    survey_session: SurveySession,
    state: State,
    outcome: Advance,
    now: datetime,
    base: Applied,
) -> None:
    """Move the session to the outcome's step if it is still at the one answered
    (compare-and-set); raises `_Lost` when another input moved it first."""
    values: dict[str, object] = {
        "current_step": outcome.next_step,
        "status": "completed" if outcome.completed else "in_progress",
        "updated_at": now,
    }
    if outcome.completed:
        values["completed_at"] = now
    if "save_opportunity" in outcome.flags:
        values["save_opportunity"] = True
    moved = affected(
        session.execute(
            update(SurveySession)
            .where(
                SurveySession.id == survey_session.id,
                SurveySession.current_step == state.current_step,
                SurveySession.status.in_(OPEN_SESSION_STATUSES),
            )
            .values(**values)
        )
    )
    if moved != 1:
        raise _Lost(replace(base, problem=Problem.ANSWERED))


def _store_answer(
    session: Session,
    survey_session: SurveySession,
    customer: Customer,
    answer: AnswerValue,
    now: datetime,
    channel: str,
) -> Answer:
    """Insert the answer row (flushed, so it has its id); `answers` is unique on
    (session, question), the last word on a double answer."""
    row = Answer(
        session_id=survey_session.id,
        customer_id=customer.id,
        survey=survey_session.survey,
        question=answer.question,
        score=answer.score,
        choice=answer.choice,
        text=answer.text,
        answered_at=now,
        channel=channel,
        language=customer.language,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row
