"""`retention-bot import customers|events|responses FILE`: load CSV exports.

Each bad row is reported as `line N: reason` on stderr while the good rows are imported;
the exit code is 1 if any row was rejected, so scripts notice. Re-importing a file is safe.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import click

from bot.commands.progress import byte_progress
from bot.commands.tagging import tag_pending_with_progress
from bot.context import AppContext
from bot.csvinput import file_size, open_rows
from insights.ingest import Importer, RejectHandler, Rejection, importer_for
from insights.records import CUSTOMER_COLUMNS, EVENT_COLUMNS, RESPONSE_COLUMNS

KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required columns, optional columns)
    "customers": (("external_id", "signed_up_at"), tuple(CUSTOMER_COLUMNS)),
    "events": (("event_id", "external_id", "type", "occurred_at"), tuple(EVENT_COLUMNS)),
    "responses": (
        ("response_id", "external_id", "survey", "answered_at"),
        tuple(RESPONSE_COLUMNS),
    ),
}


def _importer(kind: str, app: AppContext, on_reject: RejectHandler) -> Importer[Any]:
    rules = app.services.lifecycle_rules
    return importer_for(kind, app.database(), app.settings.tz, on_reject, rules)


def _open(path: str) -> tuple[BinaryIO, str, int]:
    if path == "-":
        return sys.stdin.buffer, "<stdin>", 0
    file = Path(path)
    try:
        return file.open("rb"), str(file), file_size(file)
    except OSError as error:
        raise click.FileError(path, hint=error.strerror or str(error)) from None


def run_import(app: AppContext, kind: str, path: str) -> int:
    """Import one file; returns the number of rejected rows."""
    required, known = KINDS[kind]
    optional = tuple(column for column in known if column not in required)

    def reject(rejection: Rejection) -> None:
        click.echo(f"line {rejection.line}: {rejection.message}", err=True)

    importer = _importer(kind, app, reject)
    stream, name, size = _open(path)
    with stream, byte_progress(f"importing {kind}", size) as progress:
        task = progress.add_task(f"importing {kind}", total=size or None)
        header, rows = open_rows(
            stream,
            name,
            required,
            optional,
            on_bytes=lambda done: progress.update(task, completed=done),
        )
        if header.unknown:
            click.echo(
                f"warning: {name}: ignoring unknown column(s) {', '.join(header.unknown)}",
                err=True,
            )

        def checked() -> Iterator[tuple[int, dict[str, str]]]:
            for line, row in rows:
                if row.pop("__extra__", None):
                    importer.reject(line, "has more values than the header has columns")
                    continue
                yield line, row

        report = importer.run(checked())
    click.echo(report.summary())
    if kind == "responses":
        tagged = tag_pending_with_progress(app)
        if tagged:
            click.echo(f"tagged {tagged} answers with churn reasons and sentiment")
    return report.rejected


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.pass_context
def import_command(ctx: click.Context, kind: str, file: str) -> None:
    """Import customers, events or survey responses from a CSV FILE ('-' for stdin).

    \b
    Columns (header row required, extra columns are ignored with a warning):
      customers  external_id,name,email,language,timezone,plan,mrr,signed_up_at
      events     event_id,external_id,type,occurred_at,amount
      responses  response_id,external_id,survey,score,comment,answered_at
    Times are ISO 8601 (2026-11-02 or 2026-11-02T09:30:00Z); without an offset they are
    read in TIMEZONE. Importing the same file again changes nothing; a changed row updates.
    """
    rejected = run_import(ctx.obj, kind, file)
    if rejected:
        ctx.exit(1)


def register(group: click.Group) -> None:
    group.add_command(import_command)
