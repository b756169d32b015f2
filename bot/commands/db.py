"""`retention-bot db`: create or upgrade the database schema."""

from __future__ import annotations

import click

from bot.context import AppContext
from storage import schema


@click.group("db")
def db_group() -> None:
    """Create, upgrade or inspect the database schema."""


@db_group.command("upgrade")
@click.pass_obj
def upgrade(app: AppContext) -> None:
    """Bring the database to the current schema (creates it if it does not exist)."""
    before = schema.current_revision(app.engine)
    schema.upgrade(app.engine)
    after = schema.current_revision(app.engine)
    url = app.engine.url.render_as_string(hide_password=True)
    if before == after:
        click.echo(f"{url}: already at the current schema ({after})")
    else:
        click.echo(f"{url}: upgraded from {before or 'empty'} to {after}")


@db_group.command("status")
@click.pass_obj
def status(app: AppContext) -> None:
    """Say whether the database schema is current; exit 2 if it is not."""
    schema.check_current(app.engine)
    click.echo(f"schema is current ({schema.head_revision()})")


def register(group: click.Group) -> None:
    group.add_command(db_group)
