"""The survey engine: pure decisions about one session, no I/O, no platform.

Given a survey definition, the session's state (status, current step, answers so far) and
one input (a tapped button, typed text, a skip, a sticker...), `answer()` says what happens:
the answer to store and the next step, or why the input is refused. Storage and Telegram
live elsewhere (`surveys.service`, `handlers.telegram`); keeping the rules here makes every
rule testable as a table and the same for any chat platform.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from surveys.model import END, AnswerValue, Condition, Step, StepKind, Survey

OPEN_STATUSES = frozenset({"scheduled", "sent", "in_progress"})
MAX_TEXT_LENGTH = 4096  # Telegram's own message limit; longer only arrives forged
# C0 controls other than tab and newline: PostgreSQL rejects NUL in text, and none of them
# carries meaning in a survey answer.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

HasOffer = Callable[[str], bool]
"""Whether a save offer is configured for a choice (in the customer's language)."""


@dataclass(frozen=True, slots=True)
class Tap:
    """A button pressed; `value` is the button's payload (a score or a choice key)."""

    value: str


@dataclass(frozen=True, slots=True)
class Typed:
    text: str


@dataclass(frozen=True, slots=True)
class Skip:
    pass


@dataclass(frozen=True, slots=True)
class NonText:
    """A sticker, photo, voice note...: something that is not text; `kind` for logs."""

    kind: str


Input = Tap | Typed | Skip | NonText


class Problem(StrEnum):
    CLOSED = "closed"  # completed, expired or cancelled
    ANSWERED = "answered"  # not the current step any more (double tap, old keyboard)
    OUT_OF_RANGE = "out_of_range"
    NOT_A_CHOICE = "not_a_choice"
    USE_BUTTONS = "use_buttons"
    WRITE_OR_SKIP = "write_or_skip"
    WRITE = "write"
    TOO_LONG = "too_long"
    EMPTY = "empty"
    NOT_SKIPPABLE = "not_skippable"


@dataclass(frozen=True, slots=True)
class State:
    """What the engine needs to know about a session."""

    survey: str
    status: str
    current_step: str | None
    expires_at: datetime | None = None
    answers: Mapping[str, AnswerValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Advance:
    """The input is accepted: store `answer` (None for a skip), move to `next_step`."""

    answer: AnswerValue | None
    next_step: str | None  # None: the survey is complete
    flags: frozenset[str] = frozenset()

    @property
    def completed(self) -> bool:
        return self.next_step is None


@dataclass(frozen=True, slots=True)
class Reject:
    """The input changes nothing. `forged`: no keyboard we sent could have produced it."""

    problem: Problem
    forged: bool = False


Outcome = Advance | Reject


def start(survey: Survey) -> str:
    """The first step of a new session."""
    return survey.first


def is_open(state: State, now: datetime) -> bool:
    return state.status in OPEN_STATUSES and (state.expires_at is None or now < state.expires_at)


def should_expire(state: State, now: datetime) -> bool:
    if state.status not in OPEN_STATUSES or state.expires_at is None:
        return False
    return now >= state.expires_at


def clean_text(text: str) -> str:
    return _CONTROL.sub("", text).strip()


def validate(step: Step, given: Input) -> AnswerValue | Reject | None:
    """The answer `given` makes to `step` (None for an accepted skip), or why not."""
    if isinstance(given, Skip):
        if step.kind is StepKind.TEXT and step.optional:
            return None
        return Reject(Problem.NOT_SKIPPABLE, forged=True)
    if step.kind is StepKind.SCALE:
        return _validate_scale(step, given)
    if step.kind is StepKind.CHOICE:
        if isinstance(given, Tap):
            if given.value in step.choices:
                return AnswerValue(step.key, choice=given.value)
            return Reject(Problem.NOT_A_CHOICE, forged=True)
        return Reject(Problem.USE_BUTTONS)
    # StepKind.TEXT
    if isinstance(given, Tap):
        return Reject(Problem.NOT_A_CHOICE, forged=True)
    if isinstance(given, NonText):
        return Reject(Problem.WRITE_OR_SKIP if step.optional else Problem.WRITE)
    text = clean_text(given.text)
    if not text:
        return Reject(Problem.EMPTY)
    if len(text) > MAX_TEXT_LENGTH:
        return Reject(Problem.TOO_LONG)
    return AnswerValue(step.key, text=text)


def _validate_scale(step: Step, given: Input) -> AnswerValue | Reject:
    assert step.low is not None and step.high is not None  # checked when loaded
    if isinstance(given, Tap):
        # Only the canonical spelling we put on buttons: "07" or " 7" were never sent.
        if (
            not given.value.isascii()
            or not given.value.isdigit()
            or given.value != str(int(given.value))
        ):
            return Reject(Problem.NOT_A_CHOICE, forged=True)
        score = int(given.value)
        if not step.low <= score <= step.high:
            return Reject(Problem.OUT_OF_RANGE, forged=True)
        return AnswerValue(step.key, score=score)
    if isinstance(given, Typed):
        # A customer who types "8" instead of tapping means 8.
        text = clean_text(given.text)
        if text.isdigit() and len(text) <= 3:
            score = int(text)
            if step.low <= score <= step.high:
                return AnswerValue(step.key, score=score)
            return Reject(Problem.OUT_OF_RANGE)
    return Reject(Problem.USE_BUTTONS)


def holds(condition: Condition, answers: Mapping[str, AnswerValue], has_offer: HasOffer) -> bool:
    given = answers.get(condition.question)
    if given is None:
        return False
    if condition.min is not None and (given.score is None or given.score < condition.min):
        return False
    if condition.max is not None and (given.score is None or given.score > condition.max):
        return False
    if condition.one_of is not None and given.choice not in condition.one_of:
        return False
    if condition.has_offer is not None:
        offered = given.choice is not None and has_offer(given.choice)
        if offered != condition.has_offer:
            return False
    return True


def next_step(
    survey: Survey, step: Step, answers: Mapping[str, AnswerValue], has_offer: HasOffer
) -> str | None:
    """Where to go after `step`, given every answer so far; None when the survey is done."""
    for branch in step.next:
        if branch.when is None or holds(branch.when, answers, has_offer):
            return None if branch.to == END else branch.to
    return None  # pragma: no cover - the last branch is unconditional (checked on load)


def answer(
    survey: Survey,
    state: State,
    given: Input,
    now: datetime,
    has_offer: HasOffer,
    step_key: str | None = None,
) -> Outcome:
    """Apply one input to a session.

    `step_key` is the step a tapped button belongs to (buttons carry it, so a tap on an old
    keyboard is told apart from a tap on the current one); typed input answers the current
    step and passes None.
    """
    if step_key is not None and step_key not in survey.steps:
        return Reject(Problem.NOT_A_CHOICE, forged=True)
    if not is_open(state, now) or state.current_step is None:
        return Reject(Problem.CLOSED)
    if step_key is not None and step_key != state.current_step:
        return Reject(Problem.ANSWERED)
    step = survey.step(state.current_step)
    result = validate(step, given)
    if isinstance(result, Reject):
        return result
    answers = dict(state.answers)
    if result is not None:
        answers[step.key] = result
    flag = step.flags.get(result.choice or "") if result is not None else None
    flags = frozenset({flag}) if flag is not None else frozenset()
    return Advance(result, next_step(survey, step, answers, has_offer), flags)


def closing_text_key(survey: Survey, flags: frozenset[str]) -> str:
    """The locale key of the thank-you message, which a raised flag may change."""
    for flag, key in survey.thanks_when_flagged.items():
        if flag in flags:
            return key
    return survey.thanks
