"""Two writers of the same new record at once (two API calls): the last one's values stay."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from insights import ingest
from insights.ingest import CustomerImporter, Rejection, ResponseImporter
from storage.models import Answer, Customer, SurveySession

RESPONSE = {"response_id": "r-1", "external_id": "c-1", "survey": "nps", "score": "9",
            "comment": "ours", "answered_at": "2026-11-20T14:05:00Z"}  # fmt: skip


def test_a_customer_inserted_by_another_writer_meanwhile_is_updated_not_dropped(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ingest.rows_by_key
    calls = {"n": 0}

    def racing_lookup(session: Session, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:  # our look-up finds nothing; then the other writer commits
            with factory() as other, other.begin():
                when = datetime(2026, 1, 1, tzinfo=UTC)
                other.add(
                    Customer(external_id="c-1", status="active", mrr=Decimal("10.00"),
                             signed_up_at=when, created_at=when, updated_at=when)
                )  # fmt: skip
            return {}
        return real(session, *args, **kwargs)

    monkeypatch.setattr(ingest, "rows_by_key", racing_lookup)
    rejected: list[Rejection] = []
    importer = CustomerImporter(factory, ZoneInfo("UTC"), rejected.append)
    report = importer.run([(0, {"external_id": "c-1", "mrr": "99", "signed_up_at": "2026-02-01"})])
    assert rejected == []
    assert (report.inserted, report.updated) == (0, 1)
    with factory() as session:
        row = session.execute(select(Customer.mrr, Customer.signed_up_at)).one()
    assert row.mrr == Decimal("99.00")  # ours, written last
    assert row.signed_up_at.date().isoformat() == "2026-02-01"


def test_a_response_stored_by_another_writer_meanwhile_is_replaced_by_ours(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Last writer wins for responses too: before, our answers went nowhere (theirs kept)."""
    when = datetime(2026, 1, 1, tzinfo=UTC)
    with factory() as session, session.begin():
        session.add(
            Customer(external_id="c-1", status="active", mrr=Decimal("10.00"),
                     signed_up_at=when, created_at=when, updated_at=when)
        )  # fmt: skip
    real = ingest.rows_by_key
    calls = {"n": 0}

    def racing_lookup(session: Session, column: Any, *args: Any, **kwargs: Any) -> Any:
        if column is SurveySession.source_ref:
            calls["n"] += 1
            if calls["n"] == 1:  # our look-up finds nothing; then the other writer commits
                other = ResponseImporter(factory, ZoneInfo("UTC"), pytest.fail)
                monkeypatch.setattr(ingest, "rows_by_key", real)
                other.run([(0, {**RESPONSE, "score": "2", "comment": "theirs"})])
                monkeypatch.setattr(ingest, "rows_by_key", racing_lookup)
                return {}
        return real(session, column, *args, **kwargs)

    monkeypatch.setattr(ingest, "rows_by_key", racing_lookup)
    rejected: list[Rejection] = []
    report = ResponseImporter(factory, ZoneInfo("UTC"), rejected.append).run([(0, RESPONSE)])
    assert rejected == []
    assert (report.inserted, report.updated) == (0, 1)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(SurveySession)) == 1
        answers = {q: t for q, t in session.execute(select(Answer.question, Answer.text))}
        score = session.scalar(select(Answer.score).where(Answer.question == "score"))
    assert answers["comment"] == "ours" and score == 9
