"""Two writers of the same new customer at once (two API calls): neither loses its values."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from insights import ingest
from insights.ingest import CustomerImporter, Rejection
from storage.models import Customer


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
