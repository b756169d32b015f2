"""The survey engine as tables: input in, decision out. No database, no Telegram."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from surveys.definitions import builtin_surveys
from surveys.engine import (
    MAX_TEXT_LENGTH,
    Advance,
    Input,
    NonText,
    Problem,
    Reject,
    Skip,
    State,
    Tap,
    Typed,
    answer,
    clean_text,
    closing_text_key,
    is_open,
    should_expire,
    start,
)
from surveys.model import AnswerValue

SURVEYS = builtin_surveys()
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def no_offer(_reason: str) -> bool:
    return False


def price_offer(reason: str) -> bool:
    return reason == "price"


def state(survey: str, step: str | None, answers: dict[str, AnswerValue] | None = None) -> State:
    return State(survey, "sent", step, NOW + timedelta(days=7), answers or {})


@pytest.mark.parametrize(
    ("survey", "step", "given", "tapped_step", "expected"),
    [
        # NPS score: every point of 0-10, by button or typed; nothing else.
        *[("nps", "score", Tap(str(n)), "score", AnswerValue("score", score=n)) for n in range(11)],
        ("nps", "score", Typed(" 7 "), None, AnswerValue("score", score=7)),
        ("nps", "score", Typed("１０"), None, AnswerValue("score", score=10)),  # full-width
        ("nps", "score", Tap("11"), "score", Reject(Problem.OUT_OF_RANGE, forged=True)),
        ("nps", "score", Tap("-1"), "score", Reject(Problem.NOT_A_CHOICE, forged=True)),
        ("nps", "score", Tap("07"), "score", Reject(Problem.NOT_A_CHOICE, forged=True)),
        ("nps", "score", Tap("٣"), "score", Reject(Problem.NOT_A_CHOICE, forged=True)),
        ("nps", "score", Tap("price"), "score", Reject(Problem.NOT_A_CHOICE, forged=True)),
        ("nps", "score", Typed("11"), None, Reject(Problem.OUT_OF_RANGE)),
        ("nps", "score", Typed("nine"), None, Reject(Problem.USE_BUTTONS)),
        ("nps", "score", NonText("sticker"), None, Reject(Problem.USE_BUTTONS)),
        ("nps", "score", Skip(), "score", Reject(Problem.NOT_SKIPPABLE, forged=True)),
        # CSAT is 1-5.
        ("csat", "score", Tap("0"), "score", Reject(Problem.OUT_OF_RANGE, forged=True)),
        ("csat", "score", Tap("5"), "score", AnswerValue("score", score=5)),
        ("csat", "score", Tap("6"), "score", Reject(Problem.OUT_OF_RANGE, forged=True)),
        # Exit reasons are the churn-reason keys plus "other".
        ("exit", "reason", Tap("price"), "reason", AnswerValue("reason", choice="price")),
        ("exit", "reason", Tap("other"), "reason", AnswerValue("reason", choice="other")),
        ("exit", "reason", Tap("cheap"), "reason", Reject(Problem.NOT_A_CHOICE, forged=True)),
        ("exit", "reason", Typed("price"), None, Reject(Problem.USE_BUTTONS)),
        # Free text.
        ("nps", "comment", Typed("  Great  "), None, AnswerValue("comment", text="Great")),
        ("nps", "comment", Typed("a\x00b\x07c"), None, AnswerValue("comment", text="abc")),
        ("nps", "comment", Typed("😀 שלום"), None, AnswerValue("comment", text="😀 שלום")),
        ("nps", "comment", Typed(" \n "), None, Reject(Problem.EMPTY)),
        (
            "nps",
            "comment",
            Typed("x" * MAX_TEXT_LENGTH),
            None,
            AnswerValue("comment", text="x" * 4096),
        ),
        ("nps", "comment", Typed("x" * 4097), None, Reject(Problem.TOO_LONG)),
        ("nps", "comment", NonText("voice"), None, Reject(Problem.WRITE_OR_SKIP)),
        ("nps", "comment", Tap("5"), "comment", Reject(Problem.NOT_A_CHOICE, forged=True)),
        ("nps", "comment", Skip(), "comment", None),
    ],
)
def test_validation(
    survey: str, step: str, given: Input, tapped_step: str | None, expected: object
) -> None:
    outcome = answer(SURVEYS[survey], state(survey, step), given, NOW, no_offer, tapped_step)
    if isinstance(expected, Reject):
        assert outcome == expected
    else:
        assert isinstance(outcome, Advance)
        assert outcome.answer == expected


@pytest.mark.parametrize(
    ("survey", "step", "given", "offers", "earlier", "next_step", "flags"),
    [
        ("nps", "score", Tap("3"), no_offer, {}, "comment", set()),
        ("nps", "comment", Typed("why"), no_offer, {}, None, set()),
        ("nps", "comment", Skip(), no_offer, {}, None, set()),
        ("csat", "score", Tap("4"), no_offer, {}, "comment", set()),
        ("exit", "reason", Tap("price"), price_offer, {}, "comment", set()),
        # The save offer is asked only when one is configured for the reason given.
        ("exit", "comment", Typed("t"), price_offer, {"reason": "price"}, "save_offer", set()),
        ("exit", "comment", Skip(), price_offer, {"reason": "price"}, "save_offer", set()),
        ("exit", "comment", Typed("t"), price_offer, {"reason": "bugs"}, None, set()),
        ("exit", "comment", Typed("t"), no_offer, {"reason": "price"}, None, set()),
        (
            "exit",
            "save_offer",
            Tap("yes"),
            price_offer,
            {"reason": "price"},
            None,
            {"save_opportunity"},
        ),
        ("exit", "save_offer", Tap("no"), price_offer, {"reason": "price"}, None, set()),
    ],
)
def test_branching(
    survey: str,
    step: str,
    given: Input,
    offers: object,
    earlier: dict[str, str],
    next_step: str | None,
    flags: set[str],
) -> None:
    given_answers = {q: AnswerValue(q, choice=c) for q, c in earlier.items()}
    current = state(survey, step, given_answers)
    outcome = answer(SURVEYS[survey], current, given, NOW, offers, None)  # type: ignore[arg-type]
    assert isinstance(outcome, Advance)
    assert outcome.next_step == next_step
    assert outcome.completed is (next_step is None)
    assert outcome.flags == flags


@pytest.mark.parametrize(
    ("status", "expires_in", "tapped", "expected"),
    [
        ("completed", timedelta(days=1), "score", Problem.CLOSED),
        ("expired", timedelta(days=1), "score", Problem.CLOSED),
        ("cancelled", timedelta(days=1), "score", Problem.CLOSED),
        ("sent", timedelta(seconds=-1), "score", Problem.CLOSED),  # past expiry, not swept yet
        ("in_progress", timedelta(days=1), "score", Problem.ANSWERED),  # an older keyboard
    ],
)
def test_closed_and_stale_sessions_change_nothing(
    status: str, expires_in: timedelta, tapped: str, expected: Problem
) -> None:
    current = State("nps", status, "comment", NOW + expires_in, {})
    assert answer(SURVEYS["nps"], current, Tap("9"), NOW, no_offer, tapped) == Reject(expected)


@pytest.mark.parametrize(
    ("status", "expires", "open_", "expire"),
    [
        ("sent", NOW + timedelta(seconds=1), True, False),
        ("sent", NOW, False, True),
        ("scheduled", NOW - timedelta(days=1), False, True),
        ("in_progress", None, True, False),
        ("completed", NOW - timedelta(days=1), False, False),
    ],
)
def test_expiry(status: str, expires: datetime | None, open_: bool, expire: bool) -> None:
    current = State("nps", status, "score", expires)
    assert is_open(current, NOW) is open_
    assert should_expire(current, NOW) is expire


def test_unknown_step_in_a_button_is_forged() -> None:
    outcome = answer(SURVEYS["nps"], state("nps", "score"), Tap("1"), NOW, no_offer, "reason")
    assert outcome == Reject(Problem.NOT_A_CHOICE, forged=True)


def test_start_and_closing_texts() -> None:
    assert [start(SURVEYS[k]) for k in ("nps", "csat", "exit")] == ["score", "score", "reason"]
    assert closing_text_key(SURVEYS["exit"], frozenset()) == "exit.thanks"
    assert closing_text_key(SURVEYS["exit"], frozenset({"save_opportunity"})) == "exit.thanks_save"
    assert clean_text("\x00 hi \x1f") == "hi"
