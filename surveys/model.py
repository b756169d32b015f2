"""The shapes a survey is declared in: steps, branches, and the answers they produce.

A survey is data (`surveys/definitions/*.toml`, loaded by `surveys.definitions`): steps of
three kinds, each naming the locale key of its question and where to go next. These classes
are that data once validated; the engine (`surveys.engine`) reads them and nothing else, so
a new survey or a changed branch is a file edit, not a code path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

END = "end"
"""The pseudo-step a branch points at to finish the survey."""


class StepKind(StrEnum):
    SCALE = "scale"  # a whole number in [low, high], tapped (or typed)
    CHOICE = "choice"  # one of a fixed list of keys, tapped
    TEXT = "text"  # free text, typed


@dataclass(frozen=True, slots=True)
class Condition:
    """When a branch applies, judged on an earlier answer (all given parts must hold).

    `min`/`max` bound a score; `one_of` lists choices; `has_offer` asks whether a save
    offer is configured for the choice given at `question` (in the customer's language).
    """

    question: str
    min: int | None = None
    max: int | None = None
    one_of: frozenset[str] | None = None
    has_offer: bool | None = None


@dataclass(frozen=True, slots=True)
class Branch:
    to: str
    when: Condition | None = None


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    kind: StepKind
    prompt: str  # locale key of the question
    next: tuple[Branch, ...]  # the first branch whose condition holds wins
    optional: bool = False  # TEXT steps only: may be skipped
    low: int | None = None
    high: int | None = None
    choices: tuple[str, ...] = ()
    labels: str | None = None  # locale table holding one label per choice
    offer_for: str | None = None  # show the save offer picked by this question's choice
    flags: Mapping[str, str] = field(default_factory=dict)  # choice -> session flag


@dataclass(frozen=True, slots=True)
class Schedule:
    """When `--due` sends the survey: on an event, or every NPS interval."""

    trigger_event: str | None = None  # events.type that triggers it
    interval: bool = False  # repeat every NPS_INTERVAL_DAYS
    ignores_cooldown: bool = False


@dataclass(frozen=True, slots=True)
class Survey:
    key: str
    first: str
    steps: Mapping[str, Step]
    thanks: str  # locale key of the closing message
    thanks_when_flagged: Mapping[str, str]  # flag -> closing message key used instead
    schedule: Schedule
    intro: str | None = None  # locale key of a line put before the first question

    def step(self, key: str) -> Step:
        return self.steps[key]


@dataclass(frozen=True, slots=True)
class AnswerValue:
    """One answer as the engine accepted it; exactly one of the three values is set."""

    question: str
    score: int | None = None
    choice: str | None = None
    text: str | None = None
