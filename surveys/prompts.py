"""What the bot says, as platform-neutral data: text plus rows of buttons with actions.

The core decides *what* to ask and which buttons to offer; an edge (`handlers.telegram`)
decides *how*: it turns each `Action` into callback data and each `Prompt` into a message
with an inline keyboard. Nothing here knows about Telegram.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from surveys.i18n import Catalog
from surveys.model import AnswerValue, Step, StepKind, Survey
from surveys.offers import SaveOffers


@dataclass(frozen=True, slots=True)
class AnswerAction:
    """Answer `step` of survey session `session_id` with `value` (a score or choice key)."""

    session_id: int
    step: str
    value: str


@dataclass(frozen=True, slots=True)
class SkipAction:
    session_id: int
    step: str


@dataclass(frozen=True, slots=True)
class LanguageAction:
    language: str


@dataclass(frozen=True, slots=True)
class ForgetAction:
    confirmed: bool


Action = AnswerAction | SkipAction | LanguageAction | ForgetAction


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: Action


@dataclass(frozen=True, slots=True)
class Prompt:
    """One message. `session_id` is set on survey questions, whose message id is kept."""

    text: str
    rows: tuple[tuple[Button, ...], ...] = ()
    session_id: int | None = None


def _rows(buttons: Sequence[Button], per_row: int) -> tuple[tuple[Button, ...], ...]:
    return tuple(
        tuple(buttons[start : start + per_row]) for start in range(0, len(buttons), per_row)
    )


def question(
    survey: Survey,
    step: Step,
    session_id: int,
    language: str,
    catalog: Catalog,
    offers: SaveOffers,
    answers: Mapping[str, AnswerValue],
    lead: str | None = None,
) -> Prompt:
    """The message asking `step`, optionally preceded by a `lead` line (intro, reminder)."""
    text = catalog.text(language, step.prompt)
    if step.offer_for is not None:
        given = answers.get(step.offer_for)
        offer = offers.text(given.choice, language) if given and given.choice else None
        text = catalog.text(language, step.prompt, offer=offer or "")
    if lead:
        text = f"{lead}\n\n{text}"
    buttons: list[Button]
    rows: tuple[tuple[Button, ...], ...] = ()
    if step.kind is StepKind.SCALE:
        assert step.low is not None and step.high is not None
        buttons = [
            Button(str(score), AnswerAction(session_id, step.key, str(score)))
            for score in range(step.low, step.high + 1)
        ]
        # 0-10 as two rows (0-5, 6-10) stays readable on a phone; 1-5 fits one row.
        per_row = len(buttons) if len(buttons) <= 6 else (len(buttons) + 1) // 2
        rows = _rows(buttons, per_row)
    elif step.kind is StepKind.CHOICE:
        buttons = [
            Button(
                catalog.text(language, f"{step.labels}.{choice}"),
                AnswerAction(session_id, step.key, choice),
            )
            for choice in step.choices
        ]
        rows = _rows(buttons, len(buttons) if len(buttons) <= 3 else 2)
    elif step.optional:
        skip = Button(catalog.text(language, "buttons.skip"), SkipAction(session_id, step.key))
        rows = ((skip,),)
    return Prompt(text=text, rows=rows, session_id=session_id)


def language_menu(catalog: Catalog, language: str) -> Prompt:
    buttons = [Button(catalog.name(code), LanguageAction(code)) for code in catalog.languages]
    return Prompt(catalog.text(language, "language.choose"), _rows(buttons, 2))


def forget_confirmation(catalog: Catalog, language: str) -> Prompt:
    return Prompt(
        catalog.text(language, "forget.confirm"),
        (
            (
                Button(catalog.text(language, "forget.yes"), ForgetAction(confirmed=True)),
                Button(catalog.text(language, "forget.no"), ForgetAction(confirmed=False)),
            ),
        ),
    )
