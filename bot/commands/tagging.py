"""`retention-bot tag` and `retention-bot retag`: churn reasons and sentiment for free text."""

from __future__ import annotations

import io
import json
import sys
from typing import Any, TextIO

import click

from bot.context import AppContext
from insights.tagging import tag_lines
from insights.tagging.stream import FILE_BATCH

# `insights.feedback` and `insights.tagger_models` (SQLAlchemy) and the progress bars (rich)
# are imported by the commands that store; `tag` reads lines, writes JSON, starts without them.


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
    streaming = file == "-"  # stdin: answer each line as it comes; a file: buffer the output
    with stream:
        for result in tag_lines(stream, tagger, batch=1 if streaming else FILE_BATCH):
            out.write(_json_line(result, out.encoding))
            if streaming:
                out.flush()
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
    from bot.commands.progress import count_progress
    from insights import feedback, tagger_models

    factory = app.database()
    with factory() as session:
        total = feedback.count_taggable(session)
        # A company model (`retention-bot tagger train`) replaces its language's shipped one.
        tagger = tagger_models.tagger_with_company_models(session, app.tagger)
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
    from bot.commands.progress import count_progress
    from insights import feedback

    factory = app.database()
    with factory() as session:
        pending = feedback.count_pending(session)
    if not pending:
        return 0
    with count_progress("tagging") as progress:
        task = progress.add_task("tagging answers", total=pending)
        report = feedback.tag_pending(
            factory,
            app.services.live_tagger,  # the company's models, as `retag` uses
            progress=lambda n: progress.update(task, completed=n),
        )
    return report.tagged


@click.group("tagger")
def tagger_group() -> None:
    """The learned tagging layer: company models trained on your own labels."""


@tagger_group.command("train")
@click.option(
    "--labels",
    "labels_file",
    type=click.Path(dir_okay=False, exists=True),
    help="CSV with columns text, lang, reasons (keys, comma-separated), label (sentiment).",
)
@click.option("--lang", "langs", multiple=True, help="Only these languages (default: all).")
@click.pass_obj
def tagger_train_command(app: AppContext, labels_file: str | None, langs: tuple[str, ...]) -> None:
    """Train a company model per language on staff corrections (+ a labelled CSV).

    \b
    Each language with at least 20 labelled texts gets a model on top of the shipped one,
    stored in the database with its cross-validated scores; `retag` then uses it.
    """
    from insights import tagger_models

    try:
        extra = tagger_models.read_labels_csv(labels_file) if labels_file else {}
    except (tagger_models.LabelsError, OSError) as error:
        raise click.ClickException(str(error)) from None
    factory = app.database()
    with factory() as session:
        results = tagger_models.train_company_models(
            session, app.tagger, extra, [lang.lower() for lang in langs] or None
        )
        session.commit()
    if not results:
        click.echo("no corrections and no labels: nothing trained, the shipped model stays")
    for lang, model, scores, what in results:
        if model is None or scores is None:
            click.echo(f"{lang}: {what}")
            continue
        click.echo(
            f"{lang}: {model.version} from {scores.n_labels} labels "
            f"(+{scores.n_pseudo} texts labelled by the shipped tagger)"
        )
        _print_scores(lang, scores.to_json())


@tagger_group.command("evaluate")
@click.pass_obj
def tagger_evaluate_command(app: AppContext) -> None:
    """Show the stored company models' cross-validated scores next to the shipped model."""
    from insights import tagger_models

    factory = app.database()
    with factory() as session:
        stored = tagger_models.stored_models(session)
    if not stored:
        click.echo("no company model stored: the shipped models are in use")
        return
    seen: set[str] = set()
    for m in stored:
        state = "in use" if m.lang not in seen else "older"
        seen.add(m.lang)
        learned = f"{m.n_labels} labels"
        if m.corrections is not None:
            learned += f", {m.corrections} of them staff corrections"
        click.echo(
            f"{m.lang}: {m.version} ({state}; base {m.base_version or '-'}, "
            f"{learned}, {m.created_at:%Y-%m-%d %H:%M})"
        )
        _print_scores(m.lang, m.scores)


def _print_scores(lang: str, scores: dict) -> None:
    macro = scores.get("reason_macro") or {}
    if macro:
        cols = "  ".join(f"{k} {v:.3f}" for k, v in macro.items())
        click.echo(f"  reasons, cross-validated macro-F1 (rules + model): {cols}")
        for reason, row in sorted((scores.get("reasons") or {}).items()):
            cells = "  ".join(f"{k} {v}" for k, v in row.items())
            click.echo(f"    {reason:17s} {cells}")
    sent = scores.get("sentiment_macro") or {}
    if sent:
        click.echo(
            "  sentiment, cross-validated macro-F1: "
            + "  ".join(f"{k} {v:.3f}" for k, v in sent.items())
        )


def register(group: click.Group) -> None:
    group.add_command(tag_command)
    group.add_command(retag_command)
    group.add_command(tagger_group)
