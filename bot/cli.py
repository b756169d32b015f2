"""The `retention-bot` command line: one group, one module per command under `bot.commands`.

User errors (bad settings, a database behind its migrations, an unreadable file) are printed
as one line on stderr with exit code 2 (or 1 for data problems), never as a traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from config.errors import UserError

# command name -> the module under bot.commands that registers it. A module is imported
# only when one of its commands runs (or for --help): `retention-bot tag` then imports
# the tagger, not SQLAlchemy, Slack, aiohttp and scipy (start-up 2.0 s -> under 1 s).
COMMANDS = {
    "at-risk": "at_risk",
    "chat": "chat",
    "cohorts": "cohorts",
    "db": "db",
    "demo": "demo",
    "digest": "digest",
    "export": "export",
    "import": "imports",
    "link": "link",
    "metrics": "metrics",
    "retag": "tagging",
    "risk": "risk",
    "run": "run",
    "survey": "survey",
    "tag": "tagging",
    "tagger": "tagging",
}


class _Group(click.Group):
    """The command group: commands load on first use, user errors print as one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module = importlib.import_module(f"bot.commands.{COMMANDS[cmd_name]}")
            module.register(self)
        return self.commands.get(cmd_name)

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
    from bot.context import AppContext  # the settings and services, on first use

    app = AppContext()
    ctx.obj = app
    ctx.call_on_close(app.close)
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
