"""`retention-bot demo` builds a company in a folder and reports on it, with no settings."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from bot.cli import main


def test_demo_writes_its_files_and_imports_every_row(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--output", str(out), "--customers", "120"])
    assert result.exit_code == 0, result.output
    assert (out / "demo.db").exists()
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["rejected_rows"] == []
    with (out / "data" / "customers.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == summary["generated"]["customers"] == 120
    assert {row["language"] for row in rows} == {"en", "ru", "uk", "da", "zh"}
    month = summary["last_30_days"]
    assert month["customers_start"] > 0
    assert month["retention_rate"] is not None
    assert month["nps_responses"] > 0
    # Unanswered surveys are recorded too, so the response rate is a real rate, not 100%.
    assert month["surveys_sent"] > month["surveys_answered"] > 0
    assert 20 < month["response_rate"] < 70
    # Revenue moves in the demo (MRR changes), and the movements add up to the end MRR.
    with (out / "data" / "events.csv").open(encoding="utf-8") as f:
        changes = [row for row in csv.DictReader(f) if row["type"] == "subscription_changed"]
    assert changes and all(float(row["amount"]) > 0 for row in changes)
    keys = ("start", "new", "expansion", "reactivation", "contraction", "churned", "end")
    moved = {key: float(month[f"mrr_{key}"]) for key in keys}
    assert round(
        moved["start"] + moved["new"] + moved["expansion"] + moved["reactivation"]
        - moved["contraction"] - moved["churned"], 2
    ) == moved["end"]  # fmt: skip
    assert 0 < month["gross_revenue_retention"] <= 100
    assert "Files are in" in result.output
    digest = (out / "digest.md").read_text(encoding="utf-8")
    assert digest.startswith("# Retention digest")
    assert "response rate unknown" not in digest
    assert "## Revenue" in digest and "**NRR " in digest and "**MRR lost " in digest
    assert (out / "digest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    at_risk = json.loads((out / "at-risk.json").read_text(encoding="utf-8"))
    assert at_risk and {"external_id", "churn_probability", "revenue_at_risk", "reasons"} <= set(
        at_risk[0]
    )
    amounts = [float(row["revenue_at_risk"]) for row in at_risk]
    assert amounts == sorted(amounts, reverse=True)
    # The demo learns churn risk from its own history (120 customers: few churners, so the
    # shipped points recalibrated, or fitted when there are enough).
    assert summary["risk_model"]["kind"] in {"fitted", "recalibrated"}
    assert summary["risk_model"]["horizon_days"] == 30
    assert all(row["calibrated"] for row in at_risk)
    assert "Churn risk model:" in result.output


def test_demo_is_repeatable_in_the_same_folder(tmp_path):
    out = tmp_path / "demo"
    args = ["demo", "--output", str(out), "--customers", "60", "--seed", "3"]
    first = CliRunner().invoke(main, args)
    second = CliRunner().invoke(main, args)
    assert first.exit_code == second.exit_code == 0
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["generated"]["customers"] == 60


def test_an_output_folder_that_cannot_be_created_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--output", "/proc/nope", "--customers", "50"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot create the folder /proc/nope: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    inside = blocker / "demo"
    result = CliRunner().invoke(main, ["demo", "--output", str(inside), "--customers", "50"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot create the folder {inside}: ")
    assert result.stderr.count("\n") == 1
