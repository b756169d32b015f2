"""The `retention-bot` command line: one group, one module per command under `bot.commands`.

User errors (bad settings, a database behind its migrations, an unreadable file) are printed
as one line on stderr with exit code 2 (or 1 for data problems), never as a traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from bot.commands import (
    at_risk,
    chat,
    cohorts,
    db,
    demo,
    digest,
    export,
    imports,
    link,
    metrics,
    risk,
    run,
    survey,
    tagging,
)
from bot.context import AppContext
from storage.errors import UserError


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="retention-bot")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Customer retention assistant: surveys in Telegram, churn insight in Slack.

    Settings come from the environment or a .env file (see .env.example); the database is
    a SQLite file in the current folder unless DATABASE_URL says otherwise.
    """
    app = AppContext()
    ctx.obj = app
    ctx.call_on_close(app.close)
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )


for module in (
    db,
    imports,
    metrics,
    cohorts,
    at_risk,
    risk,
    export,
    tagging,
    demo,
    link,
    survey,
    run,
    digest,
    chat,
):
    module.register(main)
