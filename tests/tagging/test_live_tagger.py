"""Answers tagged as they arrive use the company's newest models: a model stored by
`retention-bot tagger train` (another process) is picked up by the running bot within the
check interval, without a restart; no stored model means the shipped tagger itself."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from insights.tagger_models import LiveTagger
from insights.tagging import Tagger
from insights.tagging.company import to_json
from insights.tagging.model import FORMAT, TextModel, arrays
from storage.models import TaggerModel

WHEN = datetime(2026, 11, 5, 12, tzinfo=UTC)


def _model(version: str) -> TextModel:
    """A Danish company model that reads 'xa' as a delivery failure (bugs)."""
    meta = {
        "format": FORMAT,
        "version": version,
        "lang": "da",
        "base": None,
        "blocks": [
            {
                "analyzer": "word",
                "ngram_range": [1, 1],
                "sublinear_tf": True,
                "vocabulary": ["xa"],
            }
        ],
        "outputs": ["bugs"],
        "reasons": ["bugs"],
        "sentiment": False,
        "thresholds": {"bugs": 0.5},
    }
    arr = arrays(meta, np.array([1.0]), np.array([[8.0]]), np.array([-2.0]))
    return TextModel(
        json.loads(bytes(arr["meta"]).decode()), arr["idf"], arr["coef"], arr["intercept"]
    )


def _store(factory: sessionmaker[Session], version: str) -> None:
    with factory() as session, session.begin():
        session.add(
            TaggerModel(
                lang="da",
                version=version,
                base_version=None,
                n_labels=24,
                scores="{}",
                model=to_json(_model(version)),
                created_at=WHEN,
            )
        )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def shipped() -> Tagger:
    return Tagger.default()


def test_no_company_model_means_the_shipped_tagger(
    factory: sessionmaker[Session], shipped: Tagger
) -> None:
    live = LiveTagger(lambda: factory, lambda: shipped, clock=Clock())
    assert live.get() is shipped


def test_a_stored_model_is_picked_up_after_the_interval(
    factory: sessionmaker[Session], shipped: Tagger
) -> None:
    clock = Clock()
    live = LiveTagger(lambda: factory, lambda: shipped, interval=60, clock=clock)
    assert live.get() is shipped
    _store(factory, "company-da-1")
    clock.now += 30
    assert live.get() is shipped  # checked at most once a minute
    clock.now += 31
    first = live.get()
    model = first.model("da")
    assert model is not None and model.version == "company-da-1"
    assert "bugs" in first.tag("Pakken xa igen", lang="da").reasons
    clock.now += 61
    assert live.get() is first  # nothing newer: the same tagger, not rebuilt
    _store(factory, "company-da-2")
    clock.now += 61
    newer = live.get().model("da")
    assert newer is not None and newer.version == "company-da-2"


def test_an_unreadable_model_table_keeps_tagging(
    shipped: Tagger, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> sessionmaker[Session]:
        from sqlalchemy import create_engine

        return sessionmaker(create_engine("sqlite://"))  # no tables at all

    with caplog.at_level(logging.ERROR):
        live = LiveTagger(broken, lambda: shipped, clock=Clock())
        assert live.get() is shipped
    assert "could not read the company models" in caplog.text


def test_a_stored_model_this_version_cannot_read_keeps_tagging(
    factory: sessionmaker[Session], shipped: Tagger, caplog: pytest.LogCaptureFixture
) -> None:
    with factory() as session, session.begin():
        session.add(
            TaggerModel(
                lang="da",
                version="company-da-broken",
                base_version=None,
                n_labels=24,
                scores="{}",
                model='{"meta": {"format": "some-future-format"}}',
                created_at=WHEN,
            )
        )
    clock = Clock()
    live = LiveTagger(lambda: factory, lambda: shipped, clock=clock)
    with caplog.at_level(logging.ERROR):
        assert live.get() is shipped
        clock.now += 1
        assert live.get() is shipped  # not retried on every answer: once per interval
    assert caplog.text.count("could not read the company models") == 1


async def test_the_bots_answer_listener_tags_with_the_company_model(
    factory: sessionmaker[Session], database_url: str
) -> None:
    """`bot.telegram_app.register_answer_listeners` tags a new answer with the model the
    company stored, not only the shipped one (it used to until a restart)."""
    from sqlalchemy import select

    from bot.services import Services
    from bot.telegram_app import register_answer_listeners
    from builders import answer, customer
    from config import load_settings
    from storage.models import Answer, AnswerTag
    from surveys.hooks import AnswerHooks, StoredAnswer

    _store(factory, "company-da-live")
    with factory() as session, session.begin():
        who = customer(session, WHEN, language="da")
        s = answer(session, who, "nps", 4, WHEN, text="Pakken xa igen")
        comment = next(a for a in s.answers if a.question == "comment")
        stored = StoredAnswer(
            comment.id, s.id, who.id, "nps", "comment", None, None, comment.text, "da", WHEN
        )
    hooks = AnswerHooks()
    services = Services(load_settings(database_url=database_url), factory=factory)
    register_answer_listeners(hooks, services)
    hooks.answer_stored(stored)
    await hooks.drain()
    with factory() as session:
        tags = session.execute(
            select(AnswerTag.reason, AnswerTag.source, AnswerTag.rule).where(
                AnswerTag.answer_id == stored.answer_id
            )
        ).all()
        assert session.get(Answer, stored.answer_id) is not None
    assert ("bugs", "model", "model.da.bugs") in [tuple(t) for t in tags]
