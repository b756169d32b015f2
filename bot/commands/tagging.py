"""`retention-bot tag` and `retention-bot retag`: churn reasons and sentiment for free text."""

from __future__ import annotations

import io
import json
import sys
from typing import Any, TextIO

import click

from bot.commands.progress import count_progress
from bot.context import AppContext
from insights import feedback
from insights.tagging import tag_lines


@click.command("tag")
@click.argument("file", default="-", type=click.Path(dir_okay=False, allow_dash=True))
@click.pass_obj
def tag_command(app: AppContext, file: str) -> None:
    """Tag lines of text from FILE (or stdin) with churn reasons and sentiment.

    \b
    Each input line is plain text, or a JSON object with "text" and optional "lang"
    (en, ru, uk, da, zh), "score" and "survey" (nps or csat). Lines end at \\n or
    \\r\\n; a lone \\r is part of the text. Each output line is a JSON object, in
    input order, as soon as its line is read:
      {"text", "lang", "sentiment", "label", "reasons": [...], "rules": [...]}
    A text longer than 10,000 characters is tagged on its first 10,000 and its
    object adds "truncated": true. An empty or invalid line (bad JSON, nested
    deeper than 64 levels, no "text") gives {"error", "line"} and the run continues.
    Rules: the shipped defaults, or TAGGING_RULES_FILE.
    """
    tagger = app.tagger
    try:
        stream = _open_lines(file)
    except OSError as error:
        raise click.FileError(file, hint=error.strerror or str(error)) from None
    out = sys.stdout
    with stream:
        for result in tag_lines(stream, tagger):
            out.write(_json_line(result, out.encoding))
            out.flush()


def _open_lines(file: str) -> TextIO:
    """FILE or stdin as UTF-8 text split at \\n only (newline="\\n"): Python's default
    also splits at a lone \\r, which would cut one answer in two. A byte-order mark is
    skipped; undecodable bytes become U+FFFD instead of stopping the run."""
    options: dict[str, Any] = {"encoding": "utf-8-sig", "errors": "replace", "newline": "\n"}
    if file == "-":
        return io.TextIOWrapper(sys.stdin.buffer, **options)
    return open(file, **options)  # closed by the caller's `with`


def _json_line(result: dict[str, Any], encoding: str | None) -> str:
    """One output line; with \\u escapes where the output's encoding cannot take a
    character, so a strange text never stops the run with a UnicodeEncodeError."""
    line = json.dumps(result, ensure_ascii=False)
    try:
        line.encode(encoding or "utf-8")
    except UnicodeEncodeError:
        line = json.dumps(result)
    return line + "\n"


@click.command("retag")
@click.pass_obj
def retag_command(app: AppContext) -> None:
    """Tag every stored answer again, after the rules changed; staff corrections are kept."""
    factory = app.database()
    tagger = app.tagger
    with factory() as session:
        total = feedback.count_taggable(session)
    with count_progress("retagging") as progress:
        task = progress.add_task("retagging answers", total=total)
        report = feedback.retag(
            factory, tagger, progress=lambda n: progress.update(task, completed=n)
        )
    click.echo(
        f"retagged {report.tagged} answers; {report.kept_corrections} kept their staff corrections"
    )


def tag_pending_with_progress(app: AppContext) -> int:
    """Tag answers that arrived untagged (after an import); returns how many."""
    factory = app.database()
    with factory() as session:
        pending = feedback.count_pending(session)
    if not pending:
        return 0
    with count_progress("tagging") as progress:
        task = progress.add_task("tagging answers", total=pending)
        report = feedback.tag_pending(
            factory, app.tagger, progress=lambda n: progress.update(task, completed=n)
        )
    return report.tagged


def register(group: click.Group) -> None:
    group.add_command(tag_command)
    group.add_command(retag_command)
