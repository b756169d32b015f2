"""`retention-bot metrics` shows NPS and CSAT with their 95% margin and n (table and JSON)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import main

CUSTOMERS = "external_id,name,email,language,timezone,plan,mrr,signed_up_at\n" + "".join(
    f"c{i},,,,,,10,2026-01-01\n" for i in range(10)
)
# NPS: 5 promoters, 3 passives, 2 detractors of 10; CSAT: 5, 5, 4, 2 -> 3 of 4 satisfied.
NPS = [10, 9, 10, 9, 10, 8, 7, 8, 3, 0]
CSAT = [5, 5, 4, 2]


def test_metrics_carry_margins(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("db", "upgrade")
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    rows = [f"n{i},c{i},nps,{s},,2026-02-03" for i, s in enumerate(NPS)]
    rows += [f"s{i},c{i},csat,{s},,2026-02-04" for i, s in enumerate(CSAT)]
    header = "response_id,external_id,survey,score,comment,answered_at\n"
    (tmp_path / "r.csv").write_text(header + "\n".join(rows) + "\n")
    run("import", "customers", str(tmp_path / "c.csv"))
    run("import", "responses", str(tmp_path / "r.csv"))
    period = ("--from", "2026-02-01", "--to", "2026-03-01")

    data = json.loads(run("metrics", *period, "--format", "json"))
    assert (data["nps"], data["nps_responses"], data["csat"]) == (30.0, 10, 75.0)
    # NPS: p = 0.5, d = 0.2: (0.7 - 0.09) / 10 = 0.061; 1.96 × sqrt(0.061) × 100 = 48.41.
    assert data["nps_margin"] == pytest.approx(48.41, abs=0.01)
    # CSAT: q = 0.75 of 4: 1.96 × sqrt(0.1875 / 4) × 100 = 42.44.
    assert data["csat_margin"] == pytest.approx(42.44, abs=0.01)

    table = run("metrics", *period)
    assert "± 48.4 (n = 10)" in table
    assert "± 42.4 pt (n = 4)" in table
