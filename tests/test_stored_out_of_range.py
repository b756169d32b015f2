"""Values the old import let through stay in databases: no derivation may crash on them.

A `payment_failed` at 9999-12-31T23:00Z made every churn refresh overflow (grace added to
it), and with it every later import, `metrics`, `at-risk` and the digest, until someone
hand-edited the database. Such rows are inserted here directly, as they were stored then;
the CLI must go on working, leave them out of churn and name them in a warning.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from builders import answer, customer, event
from storage.models import Churn, Customer, Event

FAR = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
ANCIENT = datetime(1, 1, 1, tzinfo=UTC)
NOW = datetime.now(UTC)  # the CLI reads the wall clock
Run = Callable[..., Result]


@pytest.fixture
def run(database_url: str, factory: sessionmaker[Session]) -> Run:
    runner = CliRunner()
    env = {"DATABASE_URL": database_url, "TIMEZONE": "Pacific/Kiritimati"}  # UTC+14

    def invoke(*args: str, **extra: str) -> Result:
        return runner.invoke(main, list(args), env={**env, **extra}, catch_exceptions=False)

    return invoke


@pytest.fixture
def seeded(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        steady = customer(session, NOW - timedelta(days=300), external_id="steady")
        event(session, steady, "activity", NOW - timedelta(days=3))
        payer = customer(session, NOW - timedelta(days=300), external_id="payer")
        event(session, payer, "payment_failed", NOW - timedelta(days=30))  # real churn
        doomed = customer(session, NOW - timedelta(days=300), external_id="doomed")
        event(session, doomed, "payment_failed", FAR).event_id = "old-far"
        event(session, doomed, "activity", FAR)
        ancient = customer(session, NOW - timedelta(days=300), external_id="ancient")
        event(session, ancient, "subscription_cancelled", ANCIENT).event_id = "old-ancient"
        answer(session, ancient, "nps", 2, ANCIENT, text="too expensive")
        answer(session, doomed, "nps", 1, FAR, text="awful support")
        customer(session, datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), external_id="later")
        customer(session, ANCIENT, external_id="first")
        # Churn an old replay derived from a cancellation dated 9999 (it did not overflow).
        healed = customer(session, NOW - timedelta(days=100), external_id="healed")
        event(session, healed, "subscription_cancelled", FAR)
        healed.status, healed.churned_at, healed.churn_type = "churned", FAR, "voluntary"
        healed.lifecycle_stale = False
        session.add(Churn(customer_id=healed.id, churned_at=FAR, churn_type="voluntary",
                          cause="cancelled"))  # fmt: skip


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "insights.lifecycle" and record.levelno == logging.WARNING
    ]


@pytest.mark.usefixtures("seeded")
def test_later_imports_metrics_at_risk_and_digest_work_and_name_the_bad_events(
    run: Run,
    factory: sessionmaker[Session],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    later = tmp_path / "events.csv"
    later.write_text(
        "event_id,external_id,type,occurred_at,amount\n"
        f"new-1,steady,activity,{(NOW - timedelta(days=1)).isoformat()},\n"
        "new-2,steady,payment_failed,9999-12-31T23:00:00Z,\n"
    )
    imported = run("import", "events", str(later))
    assert imported.exit_code == 1, imported.output
    assert imported.stderr.startswith(
        "line 3: occurred_at '9999-12-31T23:00:00Z' is out of range: times from 1970-01-01 up "
        "to a day after now ("
    )
    assert "events: 1 new, 0 updated, 0 unchanged, 1 rejected" in imported.stdout
    (warning,) = warnings_of(caplog)
    assert warning.startswith("churn: skipped 4 event(s) dated before 1970-01-01 or after ")
    assert "'old-far'" in warning and "'old-ancient'" in warning

    start = (NOW - timedelta(days=60)).date().isoformat()
    end = (NOW + timedelta(days=2)).date().isoformat()
    figures = run("metrics", "--from", start, "--to", end, "--format", "json")
    assert figures.exit_code == 0, figures.output
    data = json.loads(figures.stdout)
    assert (data["lost_involuntary"], data["lost_voluntary"]) == (1, 0)  # only the payer
    risky = run("at-risk", "--format", "json", "--limit", "50")
    assert risky.exit_code == 0, risky.output
    listed = {row["external_id"] for row in json.loads(risky.stdout)}
    assert {"steady", "doomed", "ancient", "healed"} <= listed  # active: nothing churned them
    digest = run("digest", "--dry-run")
    assert digest.exit_code == 0, digest.output
    assert digest.stdout.startswith("Retention digest")

    with factory() as session:
        status = dict(session.execute(select(Customer.external_id, Customer.status)).all())
        churned = {
            external_id
            for (external_id,) in session.execute(
                select(Customer.external_id).join(Churn, Churn.customer_id == Customer.id)
            )
        }
        kept = set(session.scalars(select(Event.event_id)))
    assert status["payer"] == "churned" and status["doomed"] == "active"
    assert status["healed"] == "active"  # the churn dated 9999 was replayed away
    assert churned == {"payer"}
    assert {"old-far", "old-ancient", "new-1"} <= kept and "new-2" not in kept  # nothing deleted


@pytest.mark.usefixtures("seeded")
def test_the_inactivity_rule_survives_sign_ups_outside_the_window(
    run: Run, factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    """With the inactivity window on, the clock starts at sign-up: 9999 + 60 days overflowed."""
    result = run("metrics", "--format", "json", INACTIVITY_CHURN_DAYS="60")
    assert result.exit_code == 0, result.output
    assert any(
        message.startswith("churn: 1 customer(s) signed up before 1970-01-01 or after ")
        and message.endswith("correct them: 'first'")
        for message in warnings_of(caplog)
    )
    with factory() as session:
        status = dict(session.execute(select(Customer.external_id, Customer.status)).all())
    assert status["first"] == "churned"  # silent since (at the earliest) 1970
    assert status["later"] == "active"  # signed up "in 9999": never due for the rule
    assert status["steady"] == "active"


@pytest.mark.parametrize(
    ("when", "line"),
    [("9999-12-31T23:59:59-05:00", 3), ("0001-01-01T00:00:00+05:00", 4)],
)
def test_customers_whose_sign_up_overflows_utc_are_refused_by_line(
    run: Run, factory: sessionmaker[Session], tmp_path: Path, when: str, line: int
) -> None:
    """Both rows used to end the import with an OverflowError traceback."""
    path = tmp_path / "customers.csv"
    path.write_text(
        "external_id,name,email,language,timezone,plan,mrr,signed_up_at\n"
        "c1,One,,,,,1,2026-01-01\n"
        "c2,Two,,,,,1,9999-12-31T23:59:59-05:00\n"
        "c3,Three,,,,,1,0001-01-01T00:00:00+05:00\n"
        "c4,Four,,,,,1,2026-01-02\n"
    )
    result = run("import", "customers", str(path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"line {line}: signed_up_at {when!r} is out of range: " in result.stderr
    assert "customers: 2 new, 0 updated, 0 unchanged, 2 rejected" in result.stdout
    with factory() as session:
        assert set(session.scalars(select(Customer.external_id))) == {"c1", "c4"}
