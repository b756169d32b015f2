"""Callback data: every action fits in Telegram's 64 bytes and decodes only from its shape."""

from __future__ import annotations

import pytest

from handlers.telegram.callbacks import MAX_BYTES, decode, encode
from surveys.definitions import builtin_surveys
from surveys.prompts import Action, AnswerAction, ForgetAction, LanguageAction, SkipAction

BIGGEST_ID = 10**18 - 1


def test_every_button_of_every_survey_round_trips() -> None:
    for survey in builtin_surveys().values():
        for step in survey.steps.values():
            values = list(step.choices) or [
                str(n) for n in range(step.low or 0, (step.high or 0) + 1)
            ]
            for value in values:
                action = AnswerAction(BIGGEST_ID, step.key, value)
                data = encode(action)
                assert len(data.encode()) <= MAX_BYTES
                assert decode(data) == action
            assert decode(encode(SkipAction(BIGGEST_ID, step.key))) == SkipAction(
                BIGGEST_ID, step.key
            )


@pytest.mark.parametrize(
    "action",
    [LanguageAction("uk"), ForgetAction(True), ForgetAction(False), AnswerAction(1, "score", "0")],
)
def test_round_trip(action: Action) -> None:
    assert decode(encode(action)) == action


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "a:1:score",
        "a:0:score:1",  # ids start at 1
        "a:01:score:1",
        "a:1:Score:1",
        "a:1:score:1:extra",
        "a:1:score:1 ",
        "a:1:score:ÿ",
        "a:" + "9" * 19 + ":score:1",
        "s:1:score:1",
        "l:english",
        "f:yes",
        "x:1",
        12,
    ],
)
def test_anything_else_is_rejected(data: object) -> None:
    assert decode(data) is None


def test_unencodable_actions_are_a_bug() -> None:
    with pytest.raises(ValueError):
        encode(AnswerAction(1, "score", "has space"))
