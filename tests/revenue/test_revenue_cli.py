"""Revenue retention through the real doors: CSV import of `subscription_changed` events,
then `retention-bot metrics` (JSON keys and table rows), on SQLite and PostgreSQL.

March 2026: ann 100 → 150 (expansion 50), bob 200 → 120 (contraction 80), cat 300 then
cancelled (churned 300), dee 50 from the mrr column all along. Start 650, end 320;
GRR (650 − 80 − 300) / 650 = 41.54%, NRR (650 + 50 − 80 − 300) / 650 = 49.23%,
revenue churn (300 + 80) / 650 = 58.46%.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main

CUSTOMERS = (
    "external_id,name,email,language,timezone,plan,mrr,signed_up_at\n"
    "ann,Ann,,,,pro,10,2026-01-05\n"
    "bob,Bob,,,,pro,10,2026-01-05\n"
    "cat,Cat Co,,,,pro,10,2026-01-05\n"
    "dee,Dee,,,,basic,50,2026-01-05\n"
)
EVENTS = (
    "event_id,external_id,type,occurred_at,amount\n"
    "e1,ann,subscription_started,2026-01-05,100\n"
    "e2,bob,subscription_started,2026-01-05,200\n"
    "e3,cat,subscription_started,2026-01-05,300\n"
    "e4,dee,subscription_started,2026-01-05,\n"
    "e5,ann,subscription_changed,2026-03-10,150\n"
    "e6,bob,subscription_changed,2026-03-15,120\n"
    "e7,cat,subscription_cancelled,2026-03-20,\n"
    "e8,dee,subscription_changed,2026-03-21,\n"  # refused: no new MRR
    "e9,dee,purchase,2026-03-22,40\n"
)


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    assert invoke("db", "upgrade").exit_code == 0
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    (tmp_path / "e.csv").write_text(EVENTS)
    assert invoke("import", "customers", str(tmp_path / "c.csv")).exit_code == 0
    imported = invoke("import", "events", str(tmp_path / "e.csv"))
    assert "amount is missing: subscription_changed carries the new MRR" in imported.output
    return invoke


def test_metrics_json_has_revenue_retention(run):
    result = run("metrics", "--from", "2026-03-01", "--to", "2026-04-01", "--format", "json")
    data = json.loads(result.stdout)
    assert list(data)[17:21] == [
        "mrr_lost", "gross_revenue_retention", "net_revenue_retention", "revenue_churn_rate",
    ]  # fmt: skip
    assert data["mrr_lost"] == "300.00"
    assert data["gross_revenue_retention"] == 41.54
    assert data["net_revenue_retention"] == 49.23
    assert data["revenue_churn_rate"] == 58.46
    assert (data["mrr_start"], data["mrr_end"]) == ("650.00", "320.00")
    assert (data["mrr_expansion"], data["mrr_contraction"]) == ("50.00", "80.00")
    assert (data["mrr_new"], data["mrr_reactivation"], data["mrr_churned"]) == (
        "0.00", "0.00", "300.00",
    )  # fmt: skip
    assert data["mrr_lost_customers"] == [
        {"external_id": "cat", "name": "Cat Co", "plan": "pro", "mrr": "300.00"}
    ]
    assert [p["plan"] for p in data["cltv_by_plan"]] == ["pro", "basic"]
    assert data["average_order_value"] == "40.00" and data["purchase_frequency"] == 1.0


def test_metrics_table_shows_revenue_rows_with_the_currency(run, monkeypatch):
    monkeypatch.setenv("CURRENCY", "EUR")
    result = run("metrics", "--from", "2026-03-01", "--to", "2026-04-01")
    text = " ".join(result.stdout.split())
    assert "650.00 EUR → 320.00 EUR" in text
    assert "churned MRR (MRR lost) │ −300.00 EUR │ │ Cat Co │ 300.00 EUR" in text
    assert "net revenue retention (NRR) │ 49.23%" in text
    assert "gross revenue retention (GRR) │ 41.54%" in text


def test_metrics_table_without_currency_writes_bare_amounts(run, monkeypatch):
    monkeypatch.delenv("CURRENCY", raising=False)
    result = run("metrics", "--from", "2026-03-01", "--to", "2026-04-01")
    text = " ".join(result.stdout.split())
    assert "650.00 → 320.00" in text
    assert "│ Cat Co │ 300.00 │" in text
    assert "EUR" not in text


def test_metrics_table_fits_80_columns_with_leavers_on_their_own_rows(run, monkeypatch):
    """Each leaver is a row of its own, so the churned-MRR row never wraps at 80 columns."""
    monkeypatch.setenv("CURRENCY", "EUR")
    monkeypatch.setenv("COLUMNS", "80")
    result = run("metrics", "--from", "2026-03-01", "--to", "2026-04-01")
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    rows = [line for line in lines if line.startswith("│")]
    names = [row.split("│")[1].strip() for row in rows]
    assert all(name for name in names), "a label wrapped onto a second line"
    assert "Cat Co" in names


def test_metrics_table_shows_the_monthly_churn_behind_the_cltv(run):
    """CLTV = ARPU / monthly churn: the table shows the churn it divides by, so the figure
    can be checked by hand (the period's churn rate scaled from its days to 30.44)."""
    data = json.loads(
        run("metrics", "--from", "2026-03-01", "--to", "2026-04-01", "--format", "json").stdout
    )
    text = " ".join(run("metrics", "--from", "2026-03-01", "--to", "2026-04-01").stdout.split())
    monthly = data["lost_customers"] / data["customers_start"] * 30.4375 / 31
    assert f"churn per month (CLTV = ARPU / it) │ {monthly * 100:.2f}% (from 31.0 days)" in text
    cltv = float(data["arpu"]) / monthly
    assert abs(float(data["cltv"]) - cltv) < 0.02
