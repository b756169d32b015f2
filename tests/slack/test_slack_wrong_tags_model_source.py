"""The "Wrong tags" form names the reasons only the learned model found (source `model`),
the likeliest to be wrong, and says a choice replaces the rules' and the model's tags."""

from __future__ import annotations

from datetime import UTC, datetime

from builders import answer, customer
from handlers.slack.alert_actions import _modal
from insights import alert_tags, feedback
from insights.tagging import Tagger
from storage.models import AnswerTag, FollowUp

WHEN = datetime(2026, 10, 5, 12, tzinfo=UTC)


def _alert(factory, with_model_tag: bool) -> int:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        who = customer(session, WHEN, language="en")
        sent = answer(session, who, "nps", 3, WHEN, text="Way too expensive for us")
        follow_up = FollowUp(
            customer_id=who.id,
            session_id=sent.id,
            kind="alert",
            status="open",
            created_at=WHEN,
            updated_at=WHEN,
        )
        session.add(follow_up)
        session.flush()
        comment = next(a.id for a in sent.answers if a.question == "comment")
        follow_up_id = follow_up.id
    feedback.tag_pending(factory, Tagger.default().without_model())
    if with_model_tag:
        with factory() as session, session.begin():
            session.add(
                AnswerTag(
                    answer_id=comment,
                    reason="competitor",
                    rule="model.en.competitor",
                    source="model",
                    created_at=WHEN,
                )
            )
    return follow_up_id


def _hint(view: dict) -> str:
    return view["blocks"][2]["elements"][0]["text"]


def test_the_form_names_the_models_reasons(factory) -> None:  # type: ignore[no-untyped-def]
    follow_up_id = _alert(factory, with_model_tag=True)
    with factory() as session:
        found = alert_tags.answer_of_alert(session, follow_up_id)
    assert isinstance(found, alert_tags.TaggedAnswer)
    assert (found.reasons, found.by_model) == (["price", "competitor"], ["competitor"])
    view = _modal(follow_up_id, found)
    initial = [o["value"] for o in view["blocks"][1]["element"]["initial_options"]]
    assert sorted(initial) == ["competitor", "price"]
    assert _hint(view).startswith("Found by the learned model, not by a rule: Competitor")
    assert "replaces the tags the rules and the learned model found" in _hint(view)


def test_without_model_tags_the_form_says_only_what_a_choice_does(factory) -> None:  # type: ignore[no-untyped-def]
    follow_up_id = _alert(factory, with_model_tag=False)
    with factory() as session:
        found = alert_tags.answer_of_alert(session, follow_up_id)
    assert isinstance(found, alert_tags.TaggedAnswer) and found.by_model == []
    assert _hint(_modal(follow_up_id, found)).startswith("Leave empty if it gives no reason.")
