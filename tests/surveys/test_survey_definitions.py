"""Survey definitions are data, checked when loaded; the shipped ones fit the schema and texts."""

from __future__ import annotations

import tomllib

import pytest

from insights.risk import CHURN_REASONS
from storage.models import SURVEY_KINDS
from surveys.definitions import builtin_surveys, parse_survey
from surveys.errors import DefinitionError
from surveys.i18n import builtin_catalog
from surveys.model import StepKind

VALID = """
key = "nps"
first = "score"
thanks = "nps.thanks"
[steps.score]
kind = "scale"
low = 0
high = 10
prompt = "nps.score"
next = [{ to = "end" }]
"""


def test_shipped_surveys_match_the_schema_and_the_locale_files() -> None:
    surveys = builtin_surveys()
    assert set(surveys) == set(SURVEY_KINDS)
    english = builtin_catalog().keys("en")
    for survey in surveys.values():
        assert survey.thanks in english
        assert set(survey.thanks_when_flagged.values()) <= english
        for step in survey.steps.values():
            assert step.prompt in english, (survey.key, step.key)
            for choice in step.choices:
                assert f"{step.labels}.{choice}" in english
    exit_reasons = surveys["exit"].step("reason").choices
    assert exit_reasons[-1] == "other" and len(exit_reasons) == 11


def test_exit_reasons_are_the_churn_reason_taxonomy() -> None:
    reasons = builtin_surveys()["exit"].step("reason").choices
    assert list(reasons) == [*CHURN_REASONS, "other"]


def test_a_valid_definition_parses() -> None:
    survey = parse_survey("x.toml", tomllib.loads(VALID))
    assert survey.step("score").kind is StepKind.SCALE
    assert survey.step("score").next[0].to == "end"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('first = "score"', 'first = "nope"'), "no step 'nope'"),
        (('kind = "scale"', 'kind = "slider"'), "kind must be one of"),
        (("high = 10", "high = 100"), "0 <= low < high <= 99"),
        (('{ to = "end" }', '{ to = "comment" }'), "no step 'comment'"),
        (
            ('next = [{ to = "end" }]', 'next = [{ to = "end", when = { question = "score" } }]'),
            "last branch must have no `when`",
        ),
        (('next = [{ to = "end" }]', 'next = [{ to = "score" }]'), "cycle"),
        (('prompt = "nps.score"', 'prompt = "Not a key"'), "not a locale key"),
        (("[steps.score]", "[steps.Score]"), "lowercase"),
        (('kind = "scale"', 'kind = "scale"\noptional = true'), "only text steps"),
    ],
)
def test_broken_definitions_are_refused_with_the_reason(
    change: tuple[str, str], message: str
) -> None:
    text = VALID.replace(*change)
    with pytest.raises(DefinitionError, match=message):
        parse_survey("broken.toml", tomllib.loads(text))


def test_choice_keys_must_fit_callback_data() -> None:
    text = VALID.replace(
        'kind = "scale"\nlow = 0\nhigh = 10', 'kind = "choice"\nlabels = "reasons"'
    )
    text = text.replace("[steps.score]", '[steps.score]\nchoices = ["a_choice_key_far_too_long"]')
    with pytest.raises(DefinitionError, match="1-16 character"):
        parse_survey("long.toml", tomllib.loads(text))
