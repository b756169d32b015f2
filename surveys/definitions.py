"""Load and check survey definitions (`surveys/definitions/*.toml`).

Everything that could go wrong with a definition is checked here, once, at load time: an
unknown step kind, a branch to nowhere, a cycle, a choice key too long for Telegram's
64-byte callback data. The engine can then trust what it is given.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from surveys.errors import DefinitionError
from surveys.model import END, Branch, Condition, Schedule, Step, StepKind, Survey

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
# Keys travel in callback data ("a:<session>:<step>:<value>", at most 64 bytes): keep short.
KEY = re.compile(r"[a-z][a-z_]{0,15}")
CHOICE = re.compile(r"[a-z0-9][a-z0-9_]{0,15}")
LOCALE_KEY = re.compile(r"[a-z_]+(\.[a-z_]+)+")
KNOWN_FLAGS = frozenset({"save_opportunity"})


def _fail(source: str, where: str, message: str) -> DefinitionError:
    return DefinitionError(f"{source}: {where}: {message}")


def _locale_key(source: str, where: str, value: Any) -> str:
    if not isinstance(value, str) or not LOCALE_KEY.fullmatch(value):
        raise _fail(source, where, f"{value!r} is not a locale key like 'nps.score'")
    return value


def _condition(source: str, where: str, raw: Any) -> Condition:
    if not isinstance(raw, dict):
        raise _fail(source, where, "`when` must be a table")
    unknown = set(raw) - {"question", "min", "max", "one_of", "has_offer"}
    if unknown:
        raise _fail(source, where, f"unknown condition keys {sorted(unknown)}")
    question = raw.get("question")
    if not isinstance(question, str):
        raise _fail(source, where, "`when.question` is required")
    one_of = raw.get("one_of")
    if one_of is not None and not (
        isinstance(one_of, list) and all(isinstance(v, str) for v in one_of)
    ):
        raise _fail(source, where, "`when.one_of` must be a list of choices")
    for bound in ("min", "max"):
        if bound in raw and not isinstance(raw[bound], int):
            raise _fail(source, where, f"`when.{bound}` must be a whole number")
    has_offer = raw.get("has_offer")
    if has_offer is not None and not isinstance(has_offer, bool):
        raise _fail(source, where, "`when.has_offer` must be true or false")
    return Condition(
        question=question,
        min=raw.get("min"),
        max=raw.get("max"),
        one_of=frozenset(one_of) if one_of is not None else None,
        has_offer=has_offer,
    )


def _branches(source: str, where: str, raw: Any) -> tuple[Branch, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(source, where, "`next` must be a non-empty list of {to = ...} tables")
    branches = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("to"), str):
            raise _fail(source, f"{where}[{index}]", "each branch needs `to`")
        when = item.get("when")
        branches.append(
            Branch(
                to=item["to"],
                when=_condition(source, f"{where}[{index}]", when) if when is not None else None,
            )
        )
    if branches[-1].when is not None:
        raise _fail(source, where, "the last branch must have no `when` (the default)")
    return tuple(branches)


def _step(source: str, key: str, raw: Any) -> Step:
    where = f"steps.{key}"
    if not KEY.fullmatch(key):
        raise _fail(source, where, "step keys are 1-16 lowercase letters and underscores")
    if not isinstance(raw, dict):
        raise _fail(source, where, "must be a table")
    try:
        kind = StepKind(str(raw.get("kind")))
    except ValueError:
        raise _fail(source, where, f"kind must be one of {[k.value for k in StepKind]}") from None
    step = Step(
        key=key,
        kind=kind,
        prompt=_locale_key(source, f"{where}.prompt", raw.get("prompt")),
        next=_branches(source, f"{where}.next", raw.get("next")),
        optional=bool(raw.get("optional", False)),
        low=raw.get("low"),
        high=raw.get("high"),
        choices=tuple(raw.get("choices", ())),
        labels=raw.get("labels"),
        offer_for=raw.get("offer_for"),
        flags=dict(raw.get("flags", {})),
    )
    if kind is StepKind.SCALE:
        if not (isinstance(step.low, int) and isinstance(step.high, int)):
            raise _fail(source, where, "a scale needs whole numbers `low` and `high`")
        if not 0 <= step.low < step.high <= 99:
            raise _fail(source, where, "a scale needs 0 <= low < high <= 99")
    if kind is StepKind.CHOICE:
        if not step.choices or not all(
            isinstance(c, str) and CHOICE.fullmatch(c) for c in step.choices
        ):
            raise _fail(source, where, "choices must be 1-16 character lowercase keys")
        if len(set(step.choices)) != len(step.choices):
            raise _fail(source, where, "choices repeat")
        if not isinstance(step.labels, str) or not KEY.fullmatch(step.labels):
            raise _fail(source, where, "a choice step needs `labels`, a locale table name")
    elif step.choices or step.labels or step.flags:
        raise _fail(source, where, "only choice steps have choices, labels and flags")
    if step.optional and kind is not StepKind.TEXT:
        raise _fail(source, where, "only text steps can be optional")
    for choice, flag in step.flags.items():
        if choice not in step.choices:
            raise _fail(source, where, f"flag on unknown choice {choice!r}")
        if flag not in KNOWN_FLAGS:
            raise _fail(source, where, f"unknown flag {flag!r} (known: {sorted(KNOWN_FLAGS)})")
    return step


def _check_graph(source: str, survey: Survey) -> None:
    if survey.first not in survey.steps:
        raise _fail(source, "first", f"no step {survey.first!r}")
    for step in survey.steps.values():
        for branch in step.next:
            if branch.to != END and branch.to not in survey.steps:
                raise _fail(source, f"steps.{step.key}.next", f"no step {branch.to!r}")
            if branch.when is not None:
                target = survey.steps.get(branch.when.question)
                if target is None:
                    raise _fail(
                        source, f"steps.{step.key}.next", f"no question {branch.when.question!r}"
                    )
                if branch.when.has_offer is not None and target.kind is not StepKind.CHOICE:
                    raise _fail(source, f"steps.{step.key}.next", "has_offer needs a choice")
        if step.offer_for is not None:
            target = survey.steps.get(step.offer_for)
            if target is None or target.kind is not StepKind.CHOICE:
                raise _fail(source, f"steps.{step.key}.offer_for", "must name a choice step")
    # Each question is answered at most once per session, so a path may not loop back.
    visiting: set[str] = set()
    done: set[str] = set()

    def walk(key: str) -> None:
        if key == END or key in done:
            return
        if key in visiting:
            raise _fail(source, f"steps.{key}", "the branches form a cycle")
        visiting.add(key)
        for branch in survey.steps[key].next:
            walk(branch.to)
        visiting.discard(key)
        done.add(key)

    walk(survey.first)
    unreachable = set(survey.steps) - done
    if unreachable:
        raise _fail(source, "steps", f"unreachable steps {sorted(unreachable)}")


def parse_survey(source: str, raw: Mapping[str, Any]) -> Survey:
    """Build a checked `Survey` from a parsed TOML document."""
    key = raw.get("key")
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise _fail(source, "key", "must be a short lowercase key")
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, dict) or not steps_raw:
        raise _fail(source, "steps", "at least one step is required")
    schedule_raw = raw.get("schedule", {})
    if not isinstance(schedule_raw, dict):
        raise _fail(source, "schedule", "must be a table")
    flagged = raw.get("thanks_when_flagged", {})
    if not isinstance(flagged, dict):
        raise _fail(source, "thanks_when_flagged", "must be a table")
    survey = Survey(
        key=key,
        first=str(raw.get("first", "")),
        steps={name: _step(source, name, value) for name, value in steps_raw.items()},
        thanks=_locale_key(source, "thanks", raw.get("thanks")),
        thanks_when_flagged={
            flag: _locale_key(source, f"thanks_when_flagged.{flag}", text)
            for flag, text in flagged.items()
        },
        schedule=Schedule(
            trigger_event=schedule_raw.get("trigger_event"),
            interval=bool(schedule_raw.get("interval", False)),
            ignores_cooldown=bool(schedule_raw.get("ignores_cooldown", False)),
        ),
        intro=(
            _locale_key(source, "intro", raw["intro"]) if raw.get("intro") is not None else None
        ),
    )
    _check_graph(source, survey)
    return survey


def load_surveys(folder: Path = DEFINITIONS_DIR) -> dict[str, Survey]:
    """Every `*.toml` in `folder`, keyed by survey key."""
    surveys: dict[str, Survey] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise DefinitionError(f"{path.name}: {error}") from None
        survey = parse_survey(path.name, raw)
        if survey.key in surveys:
            raise DefinitionError(f"{path.name}: survey {survey.key!r} is defined twice")
        surveys[survey.key] = survey
    return surveys


@cache
def builtin_surveys() -> Mapping[str, Survey]:
    """The surveys shipped with the product (NPS, CSAT, exit), loaded once."""
    return load_surveys()
