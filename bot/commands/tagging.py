"""`retention-bot tag` and `retention-bot retag`: churn reasons and sentiment for free text."""

from __future__ import annotations

import io
import json
import sys

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
    (en, ru, uk, da, zh), "score" and "survey" (nps or csat). Each output line is a JSON
    object, in input order, as soon as its line is read:
      {"text", "lang", "sentiment", "label", "reasons": [...], "rules": [...]}
    An empty or invalid line gives {"error", "line"} and the run continues.
    Rules: the shipped defaults, or TAGGING_RULES_FILE.
    """
    tagger = app.tagger
    try:
        if file == "-":
            stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
        else:
            stream = open(file, encoding="utf-8", errors="replace")  # noqa: SIM115
    except OSError as error:
        raise click.FileError(file, hint=error.strerror or str(error)) from None
    out = sys.stdout
    with stream:
        for result in tag_lines(stream, tagger):
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            out.flush()


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
