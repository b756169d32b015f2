"""`retention-bot survey send`: one survey to one customer now, or everything that is due.

retention-bot survey send nps --customer C42   # exit 1 with the reason if refused
retention-bot survey send --due                # progress on stderr, summary on stdout
"""

from __future__ import annotations

import asyncio

import click

from bot.commands.progress import count_progress
from bot.context import AppContext
from surveys.definitions import builtin_surveys


@click.group("survey")
def survey_group() -> None:
    """Send customer surveys over Telegram."""


@survey_group.command("send")
@click.argument("kind", required=False, type=click.Choice(sorted(builtin_surveys())))
@click.option(
    "--customer", "external_id", metavar="EXTERNAL_ID", help="Send KIND to this customer now."
)
@click.option("--due", is_flag=True, help="Send every survey and reminder that is due.")
@click.pass_obj
def send(app: AppContext, kind: str | None, external_id: str | None, due: bool) -> None:
    """Send KIND to one customer (--customer), or everything due (--due)."""
    if due and (kind or external_id):
        raise click.UsageError("--due sends everything due; leave out KIND and --customer")
    if not due and not (kind and external_id):
        raise click.UsageError("give KIND and --customer EXTERNAL_ID, or --due")
    from bot.telegram_app import send_due, send_now  # python-telegram-bot: only when needed

    settings = app.settings
    factory = app.database()
    if not due:
        assert kind is not None and external_id is not None
        sent = asyncio.run(send_now(settings, factory, kind, external_id))
        click.echo(f"sent {sent.survey} to {sent.external_id} (session {sent.session_id})")
        return
    with count_progress("sending surveys") as progress:
        task = progress.add_task("sending surveys", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = asyncio.run(send_due(settings, factory, on_progress))
    click.echo(report.summary())


def register(group: click.Group) -> None:
    group.add_command(survey_group)
