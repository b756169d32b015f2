"""`retention-bot export responses`: every survey answer, as CSV or JSON lines.

CSV goes to spreadsheets, where a cell starting with "=" is a formula: customers' own words
(a comment typed in Telegram, a name from a CRM) are made safe there (see
`insights.export.spreadsheet_safe`). JSON lines go to programs and keep every text verbatim.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import click

from bot.commands.outputs import check_file_target, writing
from bot.context import AppContext
from insights.export import EXPORT_COLUMNS, ExportRecord, iter_responses, spreadsheet_safe


def _csv_value(value: Any) -> Any:
    """A cell: lists joined, times in ISO 8601, and every text made spreadsheet-safe."""
    if isinstance(value, list):
        return spreadsheet_safe(";".join(value))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return "" if value is None else value


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def write_export(records: Any, fmt: str, out: TextIO) -> int:
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for record in records:
            writer.writerow([_csv_value(v) for v in record.as_dict().values()])
            count += 1
    else:
        for record in records:
            data = {k: _json_value(v) for k, v in ExportRecord.as_dict(record).items()}
            out.write(json.dumps(data, ensure_ascii=False) + "\n")
            count += 1
    return count


@click.group("export")
def export_group() -> None:
    """Export stored data."""


@export_group.command("responses")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="File (default stdout).",
)
@click.pass_obj
def export_responses(app: AppContext, fmt: str, output: Path | None) -> None:
    """Every answered survey with its customer, score, text, time, reasons and sentiment.

    CSV is spreadsheet-safe: a text cell starting with = + - @, a tab or a carriage
    return gets a leading ' so a spreadsheet shows it instead of running it as a formula.
    JSON lines keep every text exactly as stored.
    """
    if output is not None:
        check_file_target(output)  # before the query: a typo in the path costs nothing
    factory = app.database()
    with factory() as session:
        if output is not None:
            with writing(output), output.open("w", encoding="utf-8", newline="") as out:
                count = write_export(iter_responses(session), fmt, out)
            click.echo(f"wrote {count} responses to {output}", err=True)
        else:
            write_export(iter_responses(session), fmt, sys.stdout)


def register(group: click.Group) -> None:
    group.add_command(export_group)
