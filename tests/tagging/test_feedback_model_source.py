"""Tags keep where they came from: a reason only the learned model found is stored with
source `model` (rule `model.<lang>.<reason>`), a rule's with `rules`; retag replaces both
and never a staff correction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from test_tagging_model import _tiny_model  # the same folder (pytest puts it on the path)

from builders import answer, customer
from insights import feedback
from insights.tagging import Tagger
from storage.models import AnswerTag

WHEN = datetime(2026, 10, 5, 12, tzinfo=UTC)


def _tags(factory, answer_id: int) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    with factory() as session:
        rows = session.execute(
            select(AnswerTag.reason, AnswerTag.rule, AnswerTag.source)
            .where(AnswerTag.answer_id == answer_id)
            .order_by(AnswerTag.id)
        )
        return [tuple(r) for r in rows]


def _comment(session, who, text: str) -> int:  # type: ignore[no-untyped-def]
    sent = answer(session, who, "nps", 3, WHEN, text=text)
    return next(a.id for a in sent.answers if a.question == "comment")


def test_model_tags_stored_as_model_and_replaced_by_retag(factory) -> None:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        who = customer(session, WHEN, language="en")
        both = _comment(session, who, "Way too expensive and we said xa twice")
        corrected = _comment(session, who, "we said xa twice")
    with_model = Tagger(models={"en": _tiny_model()})
    feedback.tag_pending(factory, with_model)
    rule_tag = _tags(factory, both)[0]
    assert rule_tag[0] == "price" and rule_tag[2] == "rules"
    assert _tags(factory, both)[1:] == [("billing", "model.en.billing", "model")]
    assert _tags(factory, corrected) == [("billing", "model.en.billing", "model")]

    with factory() as session, session.begin():
        feedback.correct_reasons(session, corrected, ["support"], corrected_by="U1")
    # retag with the rules alone: the model's tags go, the rules' and staff's stay
    report = feedback.retag(factory, with_model.without_model())
    assert report.kept_corrections == 1
    assert _tags(factory, both) == [rule_tag]
    assert _tags(factory, corrected) == [("support", "staff:U1", "staff")]
