"""Company models: trained on staff corrections and a labelled CSV on top of the shipped
model, stored as JSON with cross-validated scores, applied by retag; nothing changes
without corrections."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from builders import answer, customer
from insights import feedback, tagger_models
from insights.tagging import Tagger
from insights.tagging.company import Labelled, from_json, to_json, train
from storage.models import AnswerTag, TaggerModel

pytest.importorskip("sklearn")

WHEN = datetime(2026, 11, 5, 12, tzinfo=UTC)
# A Danish company's answers about its delivery service; staff mark "levering" complaints.
DA_LATE = [
    "Pakken kom tre dage for sent",
    "Leveringen tog to uger, alt for længe",
    "Min pakke er stadig ikke kommet",
    "Budet kom aldrig, og pakken forsvandt",
    "Levering var forsinket igen",
    "Varerne kom en uge efter det lovede",
    "Pakken blev leveret til den forkerte adresse",
    "Forsinket levering, tredje gang i år",
    "Ingen pakke endnu efter ti dage",
    "Leveringen blev aflyst uden besked",
    "Pakken lå i en uge på posthuset",
    "Sent leveret og emballagen var ødelagt",
]
DA_FINE = [
    "Alt fungerer fint, tak",
    "God service og venligt personale",
    "Jeg er glad for abonnementet",
    "Nemt at bestille og betale",
    "Hurtigt svar fra kundeservice",
    "Produktet er præcis som beskrevet",
    "Fin oplevelse, kan anbefales",
    "Intet at klage over",
    "Tilfreds med kvaliteten",
    "Appen er let at bruge",
    "Gode priser og godt udvalg",
    "Det virker som det skal",
]


def _labels() -> list[Labelled]:
    return [Labelled(t, frozenset({"bugs"}), "negative") for t in DA_LATE] + [
        Labelled(t, frozenset(), "positive") for t in DA_FINE
    ]


def test_company_model_learns_a_reason_and_survives_json() -> None:
    shipped = Tagger.default()
    model, scores = train(
        "da",
        _labels(),
        shipped=shipped.model("da"),
        rule_reasons=lambda t: shipped.tag(t, lang="da", use_model=False).reasons,
        shipped_reasons=lambda t: shipped.tag(t, lang="da").reasons,
    )
    assert "bugs" in model.reason_keys and "bugs" in model.thresholds
    assert scores.reason_macro["company"] >= scores.reason_macro["shipped"]
    stored = to_json(model)
    assert "pickle" not in stored
    again = from_json(stored)
    text = "Pakken kom for sent igen"
    assert again.predict(text).reasons["bugs"] == pytest.approx(
        model.predict(text).reasons["bugs"], abs=1e-5
    )
    company = Tagger(models={"da": again})
    assert (
        "bugs" in company.tag("Pakken er stadig ikke kommet, to uger for sent", lang="da").reasons
    )
    assert company.tag("Alt fungerer fint, tak for hjælpen", lang="da").reasons == ()


def _corrected_answers(factory, n_late: int = 12) -> list[int]:
    ids = []
    with factory() as session, session.begin():
        who = customer(session, WHEN, language="da")
        for text in DA_LATE[:n_late] + DA_FINE:
            s = answer(session, who, "nps", 5, WHEN, text=text)
            ids.append(next(a.id for a in s.answers if a.question == "comment"))
    feedback.tag_pending(factory, Tagger.default())
    with factory() as session, session.begin():
        for i, aid in enumerate(ids):
            reasons = ["bugs"] if i < n_late else []
            feedback.correct_reasons(session, aid, reasons, corrected_by="U1")
    return ids


def test_no_corrections_change_nothing(factory, database_url) -> None:
    shipped = Tagger.default()
    with factory() as session:
        assert tagger_models.tagger_with_company_models(session, shipped) is shipped
    env = {"DATABASE_URL": database_url}
    result = CliRunner().invoke(main, ["tagger", "train"], env=env)
    assert result.exit_code == 0, result.stderr
    assert "nothing trained" in result.stdout
    result = CliRunner().invoke(main, ["tagger", "evaluate"], env=env)
    assert "shipped models are in use" in result.stdout


def test_train_from_corrections_and_csv_store_evaluate_and_retag(
    factory, database_url, tmp_path
) -> None:
    _corrected_answers(factory)
    with factory() as session, session.begin():
        who = customer(session, WHEN, language="da", external_id="other")
        s = answer(session, who, "nps", 4, WHEN, text="Pakken kom en uge for sent, igen")
        fresh = next(a.id for a in s.answers if a.question == "comment")
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "text,lang,reasons,label\n"
        "Leveringen var fem dage forsinket,da,bugs,negative\n"
        "Super hurtig levering,da,,positive\n",
        encoding="utf-8",
    )
    env = {"DATABASE_URL": database_url}
    result = CliRunner().invoke(main, ["tagger", "train", "--labels", str(labels)], env=env)
    assert result.exit_code == 0, result.stderr
    assert "da: company-da-" in result.stdout and "from 26 labels" in result.stdout
    with factory() as session:
        row = session.scalars(select(TaggerModel)).one()
        assert row.lang == "da" and row.n_labels == 26
        scores = json.loads(row.scores)
        assert "company" in scores["reason_macro"]
        assert scores["corrections"] == 24  # the other 2 labels came from the CSV
        json.loads(row.model)  # plain JSON
    result = CliRunner().invoke(main, ["tagger", "evaluate"], env=env)
    assert result.exit_code == 0 and "in use" in result.stdout and "shipped" in result.stdout
    assert "26 labels, 24 of them staff corrections" in result.stdout
    result = CliRunner().invoke(main, ["retag"], env=env)
    assert result.exit_code == 0, result.stderr
    with factory() as session:
        got = session.execute(
            select(AnswerTag.reason, AnswerTag.rule, AnswerTag.source).where(
                AnswerTag.answer_id == fresh
            )
        ).all()
    assert ("bugs", "model.da.bugs", "model") in got


def test_bad_labels_csv_is_one_line_error(database_url, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("text,lang,reasons\nhej,da,delivery\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["tagger", "train", "--labels", str(bad)], env={"DATABASE_URL": database_url}
    )
    assert result.exit_code != 0
    assert "unknown reason" in result.output
