"""The digest notes what the company tagger models learned: one line in the team section and
a `tagging_model` JSON key, from the models in use when the week ended; nothing (and `null`)
while the shipped models are in use. On the company of `revenue_company`, week 2026-W12
(16-22 March, UTC), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import revenue_company as co
from digest_helpers import sample

from insights.digest import IsoWeek, as_json, compose, render_text
from insights.digest.model import TaggingModel
from storage.models import TaggerModel

W12 = IsoWeek(2026, 12)
NOW = datetime(2026, 6, 1, tzinfo=UTC)
TEAM = "Team follow-up\n"


def _model(lang: str, version: str, day: int, labels: int, corrections: int | None):
    scores: dict = {"n_labels": labels, "reason_macro": {}}
    if corrections is not None:
        scores["corrections"] = corrections
    return TaggerModel(
        lang=lang,
        version=version,
        base_version=None,
        n_labels=labels,
        scores=json.dumps(scores),
        model="{}",
        created_at=datetime(2026, 3, day, 9, tzinfo=UTC),
    )


def _digest(factory, *models: TaggerModel):
    with factory() as session, session.begin():
        co.build(session)
        session.add_all(models)
    with factory() as session:
        return compose(session, W12, ZoneInfo("UTC"), now=NOW, weights=None, trend_weeks=2)


def test_without_a_company_model_the_digest_says_nothing_of_tagging(factory):
    digest = _digest(factory)
    assert digest.tagging_model is None
    assert "Tagging" not in render_text(digest).split(TEAM, 1)[1]
    assert as_json(digest)["tagging_model"] is None


def test_the_models_in_use_at_the_end_of_the_week_and_their_corrections(factory):
    digest = _digest(
        factory,
        _model("en", "company-en-1", 1, 10, 10),  # replaced by the next one
        _model("ru", "company-ru-1", 10, 72, 72),
        _model("en", "company-en-2", 18, 42, 40),  # 2 labels from a CSV
        _model("da", "company-da-1", 25, 30, 30),  # trained after the week ended
    )
    assert digest.tagging_model == TaggingModel(
        languages=("en", "ru"),
        versions=("company-en-2", "company-ru-1"),
        labels=114,
        corrections=112,
        trained_at=datetime(2026, 3, 18, 9, tzinfo=UTC),
    )
    team = render_text(digest).split(TEAM, 1)[1]
    assert (
        "• Tagging: company model (en, ru) learned from 112 staff corrections and "
        "2 labelled texts, trained 18 Mar 2026" in team
    )
    assert as_json(digest)["tagging_model"] == {
        "languages": ["en", "ru"],
        "versions": {"en": "company-en-2", "ru": "company-ru-1"},
        "corrections": 112,
        "labels": 114,
        "trained_at": "2026-03-18T09:00:00+00:00",
    }


def test_a_model_stored_before_corrections_were_counted_says_labelled_texts():
    older = TaggingModel(("da",), ("company-da-0",), 25, None, datetime(2026, 11, 3, tzinfo=UTC))
    digest = replace(sample(), tagging_model=older)
    assert "• Tagging: company model (da) learned from 25 labelled texts, trained 3 Nov 2026" in (
        render_text(digest)
    )
    assert as_json(digest)["tagging_model"]["corrections"] is None
    one = replace(older, labels=1, corrections=1)
    assert "learned from 1 staff correction, trained" in render_text(
        replace(digest, tagging_model=one)
    )
