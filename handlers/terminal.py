"""The terminal edge: a survey taken at a keyboard, through the same engine as Telegram.

Like `handlers.telegram`, this module holds no survey rule. It renders the core's neutral
`Prompt` (text plus button rows) as lines of text with numbered choices, turns a typed line
into the engine's `Input` (a number picks a button, "skip" presses Skip, anything else is
typed text), and hands it to a `Conversation`, which decides through `surveys.engine` and
says what happened as a `surveys.conversation.Applied`. A rejected input is answered with
the same locale message the Telegram bot sends, and the question is asked again.

`MemoryConversation` keeps the session in memory (nothing is stored); the composition root
(`bot.commands.chat`) supplies a database-backed one for a real customer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from surveys import engine, prompts
from surveys.conversation import Applied, Result
from surveys.engine import MAX_TEXT_LENGTH, Input, Problem, Reject, Skip, State, Tap, Typed
from surveys.i18n import Catalog
from surveys.model import AnswerValue, Step, StepKind, Survey
from surveys.offers import SaveOffers
from surveys.prompts import AnswerAction, Prompt, SkipAction

ReadLine = Callable[[], str | None]
"""One line typed by the person, or None when they are gone (Ctrl-D, Ctrl-C)."""
Write = Callable[[str], None]

SKIP_WORDS = frozenset({"skip", "/skip"})
# What the Telegram bot says to a refused message (`SurveyService._rejection`, typed input).
_PROBLEM_KEYS = {
    Problem.USE_BUTTONS: "survey.use_buttons",
    Problem.NOT_A_CHOICE: "survey.use_buttons",
    Problem.NOT_SKIPPABLE: "survey.write",
    Problem.WRITE_OR_SKIP: "survey.write_or_skip",
    Problem.WRITE: "survey.write",
    Problem.EMPTY: "survey.empty",
    Problem.ANSWERED: "survey.answered",
    Problem.CLOSED: "survey.closed",
}


class Conversation(Protocol):
    """One survey session the terminal talks to; `apply` decides through the engine."""

    def apply(self, given: Input, step_key: str | None) -> Applied: ...


@dataclass
class MemoryConversation:
    """A session held in memory: the engine's decisions, nothing written anywhere."""

    survey: Survey
    has_offer: engine.HasOffer
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    state: State = field(init=False)
    flags: frozenset[str] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        self.state = State(self.survey.key, "in_progress", engine.start(self.survey))

    def apply(self, given: Input, step_key: str | None) -> Applied:
        outcome = engine.answer(
            self.survey, self.state, given, self.clock(), self.has_offer, step_key
        )
        if isinstance(outcome, Reject):
            return Applied(
                Result.REJECTED,
                survey=self.survey.key,
                problem=outcome.problem,
                next_step=self.state.current_step,
                answers=dict(self.state.answers),
            )
        answers = dict(self.state.answers)
        if outcome.answer is not None:
            answers[outcome.answer.question] = outcome.answer
        self.flags |= outcome.flags
        self.state = State(
            self.survey.key,
            "completed" if outcome.completed else "in_progress",
            outcome.next_step,
            answers=answers,
        )
        return Applied(
            Result.COMPLETED if outcome.completed else Result.ADVANCED,
            survey=self.survey.key,
            next_step=outcome.next_step,
            answers=answers,
            flags=self.flags,
        )


def render(prompt: Prompt, step: Step) -> str:
    """The question and its buttons as text: a scale's numbers as they sit on the
    keyboard, choices numbered from 1, Skip as the word to type."""
    lines = [prompt.text]
    number = 0
    for row in prompt.rows:
        cells = []
        for button in row:
            if isinstance(button.action, SkipAction):
                cells.append(f"[skip] {button.label}")
            elif step.kind is StepKind.SCALE:
                cells.append(f"{button.label:>2}")
            else:
                number += 1
                cells.append(f"{number}) {button.label}")
        joiner = "  " if step.kind is StepKind.SCALE else "\n  "
        lines.append("  " + joiner.join(cells))
    return "\n".join(lines)


def parse(prompt: Prompt, step: Step, line: str) -> tuple[Input, str | None]:
    """The engine input a typed line makes, and the step it answers when it is a button."""
    text = line.strip()
    actions = [(b.label, b.action) for row in prompt.rows for b in row]
    for label, action in actions:
        if isinstance(action, SkipAction) and text.casefold() in SKIP_WORDS | {label.casefold()}:
            return Skip(), action.step
    if step.kind is StepKind.CHOICE:
        choices = [(label, a) for label, a in actions if isinstance(a, AnswerAction)]
        if text.isascii() and text.isdigit() and 1 <= int(text) <= len(choices):
            action = choices[int(text) - 1][1]
            return Tap(action.value), action.step
        for label, action in choices:
            if text.casefold() in {label.casefold(), action.value}:
                return Tap(action.value), action.step
    # A scale takes the typed number (the engine reads "8" as 8, as in Telegram); free text
    # is free text.
    return Typed(line), None


def rejection(catalog: Catalog, language: str, survey: Survey, applied: Applied) -> str:
    """The locale message for a refused input, as the Telegram bot words it."""
    problem = applied.problem or Problem.USE_BUTTONS
    if problem is Problem.OUT_OF_RANGE and applied.next_step:
        step = survey.step(applied.next_step)
        return catalog.text(language, "survey.out_of_range", low=step.low, high=step.high)
    if problem is Problem.TOO_LONG:
        return catalog.text(language, "survey.too_long", limit=MAX_TEXT_LENGTH)
    return catalog.text(language, _PROBLEM_KEYS.get(problem, "survey.use_buttons"))


def take_survey(
    survey: Survey,
    conversation: Conversation,
    *,
    language: str,
    catalog: Catalog,
    offers: SaveOffers,
    read: ReadLine,
    write: Write,
) -> Applied | None:
    """Ask every step until the survey is complete; None when the person left before."""
    step_key: str | None = engine.start(survey)
    answers: Mapping[str, AnswerValue] = {}
    lead = catalog.text(language, survey.intro) if survey.intro else None
    while step_key is not None:
        step = survey.step(step_key)
        prompt = prompts.question(survey, step, 0, language, catalog, offers, answers, lead)
        lead = None
        write(render(prompt, step))
        while True:
            line = read()
            if line is None:
                return None
            given, tapped_step = parse(prompt, step, line)
            applied = conversation.apply(given, tapped_step)
            if applied.result is not Result.REJECTED:
                break
            write(rejection(catalog, language, survey, applied))
        if applied.result is Result.COMPLETED:
            write(catalog.text(language, engine.closing_text_key(survey, applied.flags)))
            return applied
        step_key = applied.next_step
        answers = applied.answers or {}
    return None  # pragma: no cover - a survey always has a first step
