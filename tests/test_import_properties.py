"""Property: whatever a CSV file holds, `retention-bot import` accounts for every row.

Generated files mix valid rows with hostile ones (tests/hostile_values.py: far dates,
overflowing offsets, NULs, numbers past their columns, a value too many). For each file:
no exception escapes the command; `N new, N updated, N unchanged, N rejected` adds up to
the rows in the file; each rejected row is one `line N: ...` on stderr; the exit code is
1 exactly when a row was rejected. One database per property run, on both engines.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile_values import CUSTOMER_IDS, csv_rows
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from builders import customer
from insights.records import CUSTOMER_COLUMNS, EVENT_COLUMNS, RESPONSE_COLUMNS
from insights.timeparse import EARLIEST
from storage.models import Customer

HEADERS = {"customers": CUSTOMER_COLUMNS, "events": EVENT_COLUMNS, "responses": RESPONSE_COLUMNS}
SUMMARY = re.compile(r"^\w+: (\d+) new, (\d+) updated, (\d+) unchanged, (\d+) rejected$", re.M)
REFUSAL = re.compile(r"^line \d+: \S")
PROPERTY = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("kind", sorted(HEADERS))
def test_every_row_is_imported_or_refused_by_line(
    database_url: str, factory: sessionmaker[Session], tmp_path: Path, kind: str
) -> None:
    with factory() as session, session.begin():
        for external_id in CUSTOMER_IDS:
            customer(session, EARLIEST, external_id=external_id)
    runner = CliRunner()
    env = {"DATABASE_URL": database_url, "TIMEZONE": "America/Anchorage"}  # west of UTC
    path = tmp_path / f"{kind}.csv"

    @PROPERTY
    @given(rows=csv_rows(kind))
    def property_holds(rows: list[list[str]]) -> None:
        with path.open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(HEADERS[kind])
            writer.writerows(rows)
        result = runner.invoke(main, ["import", kind, str(path)], env=env, catch_exceptions=False)
        (counts,) = SUMMARY.findall(result.stdout)
        inserted, updated, unchanged, rejected = map(int, counts)
        received = sum(1 for row in rows if any(value.strip() for value in row))
        assert inserted + updated + unchanged + rejected == received, result.output
        refusals = [line for line in result.stderr.splitlines() if REFUSAL.match(line)]
        assert len(refusals) == rejected, result.stderr
        assert "Traceback" not in result.output
        assert result.exit_code == (1 if rejected else 0), result.output

    property_holds()
    with factory() as session:  # the seeded customers survived every file
        assert (session.scalar(select(func.count()).select_from(Customer)) or 0) >= 3
