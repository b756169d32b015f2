"""`retention-bot import`: bad rows reported by line, good rows kept, re-import idempotent."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from bot.cli import main
from storage.database import make_engine, session_factory
from storage.models import Answer, Customer, Event

CUSTOMERS_HEADER = "external_id,name,email,language,timezone,plan,mrr,signed_up_at\n"
Run = Callable[..., Result]


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    assert invoke("db", "upgrade").exit_code == 0
    return invoke


@pytest.fixture
def rows(database_url: str):
    def fetch(model, *order):
        engine = make_engine(database_url)
        with session_factory(engine)() as session:
            found = list(session.scalars(select(model).order_by(*order or [model.id])))
        engine.dispose()
        return found

    return fetch


def write(tmp_path: Path, name: str, text: str, bom: bool = False) -> str:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return str(path)


def test_customers_unicode_bom_and_injection_stored_verbatim(run, rows, tmp_path):
    nasty = "Robert'); DROP TABLE customers;--"
    path = write(
        tmp_path,
        "customers.csv",
        CUSTOMERS_HEADER
        + "c1,Анна Иванова,anna@example.com,ru,Europe/Moscow,pro,49.90,2026-01-05\n"
        + "c2,王小明,wang@example.cn,zh-CN,Asia/Shanghai,basic,9,2026-02-01T10:00:00+08:00\n"
        + f'c3,"{nasty}",,,,,0,2026-03-01T00:00:00Z\n',
        bom=True,
    )
    result = run("import", "customers", path)
    assert result.exit_code == 0, result.stderr
    assert "3 new" in result.stdout
    found = rows(Customer)
    assert [c.name for c in found] == ["Анна Иванова", "王小明", nasty]
    assert found[0].mrr == Decimal("49.90")
    assert found[1].language == "zh"
    assert found[1].signed_up_at == datetime(2026, 2, 1, 2, 0, tzinfo=UTC)


def test_date_alone_and_naive_times_read_in_business_timezone(run, rows, tmp_path):
    path = write(
        tmp_path,
        "c.csv",
        CUSTOMERS_HEADER + "a,,,,,,1,2026-07-01\nb,,,,,,1,2026-07-01T09:30:00\n",
    )
    assert run("import", "customers", path, env={"TIMEZONE": "Europe/Berlin"}).exit_code == 0
    a, b = rows(Customer)
    assert a.signed_up_at == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert b.signed_up_at == datetime(2026, 7, 1, 7, 30, tzinfo=UTC)


BAD_CUSTOMER_ROWS = [
    (",No Id,,,,,1,2026-01-01", "external_id is missing"),
    ("d1,Bad Date,,,,,1,01/02/2026", "signed_up_at '01/02/2026' is not an ISO 8601"),
    ("d2,Negative,,,,,-5,2026-01-01", "mrr -5.00 is negative"),
    ("d3,Zone,,,Mars/Olympus,,1,2026-01-01", "timezone 'Mars/Olympus' is not a known IANA"),
    ("d4,Mail,not-an-email,,,,1,2026-01-01", "email 'not-an-email' is not an email address"),
    ("d5,Money,,,,,ten,2026-01-01", "mrr 'ten' is not a number"),
    ("d6,Empty date,,,,,1,", "signed_up_at is empty"),
    ("d7,Too,many,,,,1,2026-01-01,extra", "more values than the header"),
]


def test_each_bad_customer_row_reported_and_good_rows_kept(run, rows, tmp_path):
    lines = ["good1,Good One,,,,,1,2026-01-01"]
    lines += [row for row, _ in BAD_CUSTOMER_ROWS]
    lines += ["good2,Good Two,,,,,2,2026-01-02", "good1,Good One Again,,,,,1,2026-01-01"]
    path = write(tmp_path, "c.csv", CUSTOMERS_HEADER + "\n".join(lines) + "\n")
    result = run("import", "customers", path)
    assert result.exit_code == 1
    errors = result.stderr.strip().splitlines()
    for offset, (_, reason) in enumerate(BAD_CUSTOMER_ROWS):
        assert any(e.startswith(f"line {offset + 3}: ") and reason in e for e in errors), reason
    assert f"line {len(lines) + 1}: duplicate id 'good1' (first at line 2)" in errors
    assert [c.external_id for c in rows(Customer)] == ["good1", "good2"]
    assert "2 new" in result.stdout
    assert f"{len(BAD_CUSTOMER_ROWS) + 1} rejected" in result.stdout


def test_reimport_is_idempotent_and_changed_rows_update(run, rows, tmp_path):
    first = CUSTOMERS_HEADER + "a,Ann,,en,,basic,10,2026-01-01\nb,Bo,,en,,basic,10,2026-01-01\n"
    path = write(tmp_path, "c.csv", first)
    assert run("import", "customers", path).exit_code == 0
    before = [(c.id, c.updated_at) for c in rows(Customer)]
    again = run("import", "customers", path)
    assert "0 new, 0 updated, 2 unchanged" in again.stdout
    assert [(c.id, c.updated_at) for c in rows(Customer)] == before
    changed = write(tmp_path, "c2.csv", first.replace("b,Bo,,en,,basic,10", "b,Bo,,en,,pro,20"))
    result = run("import", "customers", changed)
    assert "0 new, 1 updated, 1 unchanged" in result.stdout
    assert [(c.plan, c.mrr) for c in rows(Customer)] == [
        ("basic", Decimal("10.00")),
        ("pro", Decimal("20.00")),
    ]


def test_unknown_columns_warned_once_and_missing_columns_refused(run, tmp_path):
    extra = write(tmp_path, "x.csv", "external_id,signed_up_at,colour,size\na,2026-01-01,red,xl\n")
    result = run("import", "customers", extra)
    assert result.exit_code == 0
    assert result.stderr.count("ignoring unknown column(s) colour, size") == 1
    missing = write(tmp_path, "m.csv", "external_id,name\na,Ann\n")
    result = run("import", "customers", missing)
    assert result.exit_code == 1
    assert "missing column(s) signed_up_at" in result.stderr
    assert "Traceback" not in result.stderr


EVENTS_HEADER = "event_id,external_id,type,occurred_at,amount\n"


def test_events_bad_rows_and_churn_derived(run, rows, tmp_path):
    customers = CUSTOMERS_HEADER + "a,A,,,,,10,2026-01-01\nb,B,,,,,10,2026-01-01\n"
    assert run("import", "customers", write(tmp_path, "c.csv", customers)).exit_code == 0
    events = EVENTS_HEADER + "\n".join(
        [
            "e1,a,subscription_cancelled,2026-02-10T08:00:00Z,",
            "e2,ghost,activity,2026-02-10,",
            "e3,b,teleported,2026-02-10,",
            "e4,b,payment_failed,2026-02-11,19.99",
            "e5,b,payment_succeeded,2026-02-12,abc",
            ",b,activity,2026-02-12,",
        ]
    )
    result = run("import", "events", write(tmp_path, "e.csv", events + "\n"))
    assert result.exit_code == 1
    assert "line 3: unknown customer 'ghost' (import customers first)" in result.stderr
    assert "line 4: type 'teleported' is not one of" in result.stderr
    assert "line 6: amount 'abc' is not a number" in result.stderr
    assert "line 7: event_id is missing" in result.stderr
    assert [e.event_id for e in rows(Event)] == ["e1", "e4"]
    a, b = rows(Customer)
    assert (a.status, a.churn_type) == ("churned", "voluntary")
    assert (b.status, b.churn_type) == ("churned", "involuntary")
    assert b.churned_at == datetime(2026, 2, 11, tzinfo=UTC)
    again = run("import", "events", write(tmp_path, "e.csv", events + "\n"))
    assert "0 new, 0 updated, 2 unchanged" in again.stdout


def test_metrics_json_after_import(run, tmp_path):
    customers = CUSTOMERS_HEADER + "".join(f"c{i},,,,,,10,2026-01-01\n" for i in range(4))
    run("import", "customers", write(tmp_path, "c.csv", customers))
    run(
        "import",
        "events",
        write(tmp_path, "e.csv", EVENTS_HEADER + "e1,c0,subscription_cancelled,2026-02-05,\n"),
    )
    result = run("metrics", "--from", "2026-02-01", "--to", "2026-03-01", "--format", "json")
    data = json.loads(result.stdout)
    assert data["customers_start"] == 4
    assert data["lost_customers"] == 1
    assert data["lost_voluntary"] == 1
    assert data["churn_rate"] == 25.0
    assert data["retention_rate"] == 75.0
    assert data["nps"] is None
    assert list(data)[:15] == [
        "customers_start", "customers_end", "new_customers", "lost_customers",
        "lost_voluntary", "lost_involuntary", "retention_rate", "churn_rate", "nps",
        "nps_responses", "promoters", "passives", "detractors", "csat", "csat_responses",
    ]  # fmt: skip


RESPONSES_HEADER = "response_id,external_id,survey,score,comment,answered_at\n"


def test_responses_scales_and_updates(run, rows, tmp_path):
    run(
        "import", "customers", write(tmp_path, "c.csv", CUSTOMERS_HEADER + "a,A,,,,,1,2026-01-01\n")
    )
    responses = RESPONSES_HEADER + "\n".join(
        [
            "r1,a,nps,3,Слишком дорого 😞,2026-02-01",
            "r2,a,nps,11,,2026-02-01",
            "r3,a,csat,0,,2026-02-01",
            "r4,a,csat,5,,2026-02-01",
            "r5,a,exit,,Moved to a competitor,2026-02-02",
            "r6,a,exit,4,,2026-02-02",
            "r7,a,survey,5,,2026-02-02",
            "r8,a,nps,seven,,2026-02-02",
        ]
    )
    result = run("import", "responses", write(tmp_path, "r.csv", responses + "\n"))
    assert result.exit_code == 1
    assert "line 3: score 11 is outside the nps scale 0-10" in result.stderr
    assert "line 4: score 0 is outside the csat scale 1-5" in result.stderr
    assert "line 7: score must be empty: exit interviews are not scored" in result.stderr
    assert "line 8: survey 'survey' is not one of nps, csat, exit" in result.stderr
    assert "line 9: score 'seven' is not a whole number" in result.stderr
    answers = rows(Answer)
    assert [(a.survey, a.question, a.score, a.text) for a in answers] == [
        ("nps", "score", 3, None),
        ("nps", "comment", None, "Слишком дорого 😞"),
        ("csat", "score", 5, None),
        ("exit", "comment", None, "Moved to a competitor"),
    ]
    changed = responses.replace("r1,a,nps,3,Слишком дорого 😞", "r1,a,nps,4,Дорого")
    result = run("import", "responses", write(tmp_path, "r2.csv", changed + "\n"))
    assert "0 new, 1 updated, 2 unchanged" in result.stdout
    texts = [a.text for a in rows(Answer) if a.text]
    assert sorted(texts) == ["Moved to a competitor", "Дорого"]


def test_unreadable_file_is_one_line_error(run, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(CUSTOMERS_HEADER.encode() + "a,Zoë,,,,,1,2026-01-01\n".encode("latin-1"))
    result = run("import", "customers", str(path))
    assert result.exit_code == 1
    assert "not UTF-8" in result.stderr
    missing = run("import", "customers", str(tmp_path / "nope.csv"))
    assert missing.exit_code != 0
    assert "nope.csv" in missing.stderr


def test_changed_event_updates_and_recomputes_churn(run, rows, tmp_path):
    customers = CUSTOMERS_HEADER + "a,A,,,,,10,2026-01-01\nb,B,,,,,10,2026-01-01\n"
    run("import", "customers", write(tmp_path, "c.csv", customers))
    first = EVENTS_HEADER + "e1,a,subscription_cancelled,2026-02-10,\ne2,b,activity,2026-02-10,\n"
    assert run("import", "events", write(tmp_path, "e1.csv", first)).exit_code == 0
    assert rows(Customer)[0].status == "churned"
    # e1 was a mistake (it was an activity); e3 is new; e2 is unchanged.
    second = (
        EVENTS_HEADER
        + "e1,a,activity,2026-02-10,\ne2,b,activity,2026-02-10,\ne3,b,purchase,2026-02-11,5\n"
    )
    result = run("import", "events", write(tmp_path, "e2.csv", second))
    assert "1 new, 1 updated, 1 unchanged, 0 rejected" in result.stdout
    a, b = rows(Customer)
    assert (a.status, a.churned_at) == ("active", None)
    assert b.last_activity_at == datetime(2026, 2, 11, tzinfo=UTC)
    assert [e.type for e in rows(Event)] == ["activity", "activity", "purchase"]


def test_a_large_import_leaves_postgresql_statistics_fresh(run, database_url, tmp_path):
    """A planner that has not seen a bulk load plans it as an empty table: after the
    import the tables are analyzed, so the churn replay and the next queries use indexes."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's planner statistics")
    customers = CUSTOMERS_HEADER + "".join(f"c{n},,,,,,10,2026-01-01\n" for n in range(200))
    events = "event_id,external_id,type,occurred_at,amount\n" + "".join(
        f"e{n},c{n % 200},activity,2026-02-{1 + n % 28:02d}T10:00:00Z,\n" for n in range(12_000)
    )
    assert run("import", "customers", write(tmp_path, "c.csv", customers)).exit_code == 0
    assert run("import", "events", write(tmp_path, "e.csv", events)).exit_code == 0
    engine = make_engine(database_url)
    with engine.connect() as connection:
        analyzed = dict(
            connection.exec_driver_sql(
                "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE schemaname = current_schema() AND relname IN ('events', 'customers')"
            ).all()
        )
    engine.dispose()
    assert analyzed == {"events": True, "customers": True}
